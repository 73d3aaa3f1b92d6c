"""The Store: threads and their trees of entries in one SQLite file.

Glossary:

thread
    A conversation. It holds a forest of entries and a *current leaf*.
entry
    One message: role, content, an optional JSON item. Every entry but a root has one parent
    in the same thread; ids only grow, so a parent is always older than its children.
root
    An entry without a parent (depth 0). A thread may have several.
leaf
    An entry without children: the tip of a branch.
current leaf
    The leaf of the *live* branch (any entry, in fact: after a rewind it may have children).
    ``None`` means the live path is empty.
path
    The entries from a root down to an entry, root first. The live path ends at the current
    leaf.
fork
    A new child of any entry; the earlier history is shared, never copied.

Every write is one ``BEGIN IMMEDIATE`` transaction that reads what it depends on (the current
leaf above all) under the write lock: two processes appending to one thread always make a
chain, never a fork nobody asked for. Input is checked before the transaction opens, so a
rejected call has written nothing. Reads that take more than one statement run in one read
transaction and see a single snapshot.

A Store may be shared by the threads of one process (calls are serialised by a lock); it must
not cross a ``fork()``: open a new one in each process.
"""

from __future__ import annotations

import array
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import apsw
import orjson

from . import _json, _sql, _validate
from . import check as _check
from . import graph as _graph
from ._connection import connect, default_path
from ._jobs import JobsAndTools
from ._resolve import ThreadLookup
from ._state import AgentState
from ._tx import _Snapshot, _Use, _Write
from .errors import Conflict, InvalidInput, NotFound, ThreadTreeError
from .records import Entry, GcPaused, LeafMove, Problem, Thread

if TYPE_CHECKING:
    import networkx as nx  # imported by graph and check at first use, not here

__all__ = ["Store", "open"]


class _Sentinel:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


_LEAF: Any = _Sentinel("<the current leaf>")
_UNCHECKED: Any = _Sentinel("<unchecked>")
_UNSET: Any = _Sentinel("<unchanged>")
_NO_LIMIT = 2**63 - 1

# Connections of stores that were closed in a forked child: closing them there could checkpoint
# or unlink the parent's WAL, so they are kept (and never used) instead.
_ABANDONED: list[apsw.Connection] = []

q = _sql.query


def record_leaf_move(conn: apsw.Connection, tid: str, old: int | None, new: int | None, reason: str, now: float) -> None:
    """Add a row to the thread's leaf history (inside the write that moved the leaf)."""
    seq = conn.execute(q("last_leaf_move"), {"thread_id": tid}).get + 1
    bindings = {"thread_id": tid, "seq": seq, "from_id": old, "to_id": new, "reason": reason, "now": now}
    conn.execute(q("record_leaf_move"), bindings)


class Store(AgentState, JobsAndTools, ThreadLookup):
    """Branching conversations in one SQLite file. Create one with :func:`threadtree.open`.

    Use it as a context manager, or call :meth:`close`, to release the file.
    """

    def __init__(
        self, conn: apsw.Connection, filename: str, *, timeout: float, readonly: bool = False,
        max_size: int = _validate.DEFAULT_MAX_SIZE, guard: Callable[[], None] | None = None,
    ) -> None:
        self._conn: apsw.Connection | None = conn
        self._guard = guard  # called around every call of a store that reads without locks
        self._max_size = max_size
        self._filename = filename
        self._timeout = timeout
        self._readonly = readonly
        self._lock = threading.RLock()
        self._pid = os.getpid()

    @property
    def filename(self) -> str:
        """The database file this store was opened on (``":memory:"`` for a memory store)."""
        return self._filename

    @property
    def max_size(self) -> int:
        """The cap on one content or title (characters) and one item or metadata (bytes of
        JSON): larger values raise :class:`InvalidInput` (see :func:`threadtree.open`)."""
        return self._max_size

    @property
    def readonly(self) -> bool:
        """Whether the store was opened with ``readonly=True`` (every write then raises)."""
        return self._readonly

    def __repr__(self) -> str:
        state = "" if self._conn is not None else " closed"
        return f"<threadtree.Store filename={self._filename!r}{state}>"

    def close(self) -> None:
        """Close the database file. Closing twice is harmless; any other call then raises."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if os.getpid() != self._pid:
                _ABANDONED.append(conn)
                return
            conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions --

    def _acquire(self) -> apsw.Connection:
        """Take the store's lock and return the connection; on failure, release and raise."""
        self._lock.acquire()
        conn = self._conn
        if conn is not None and self._pid == os.getpid():
            if self._guard is not None:  # before reading: nothing committed since it opened
                try:
                    self._guard()
                except BaseException:
                    self._lock.release()
                    raise
            return conn
        self._lock.release()
        if conn is None:
            raise ThreadTreeError(f"the store on {self._filename!r} is closed")
        raise ThreadTreeError(
            f"this store was opened in process {self._pid}: open a new store in each process "
            "(an SQLite connection must not cross fork())"
        )

    # -- threads --

    def create_thread(
        self, title: str | None = None, *, metadata: Mapping[str, Any] | None = None,
        thread_id: str | None = None,
    ) -> Thread:
        """Create an empty thread and return it.

        :param title: free text, or ``None``.
        :param metadata: a dict of JSON values kept with the thread (default ``{}``).
        :param thread_id: the id to use; by default a random one (32 hex digits) is made.
        :raises Conflict: ``thread_id`` is taken.
        :raises InvalidInput: an argument has the wrong type or cannot be stored exactly.

        >>> store.create_thread("Trip planning", thread_id="trip").id
        'trip'
        >>> len(store.create_thread().id)
        32
        """
        title = _validate.optional_text(title, "title")
        _validate.size(title, "title", self._max_size)
        meta = _validate.metadata(metadata, limit=self._max_size)
        given = None if thread_id is None else _validate.thread_id(thread_id)
        _validate.size(given, "thread_id", self._max_size)
        with _Write(self) as conn:
            while True:
                bindings = {
                    "thread_id": given or uuid.uuid4().hex,
                    "title": title,
                    "metadata": meta,
                    "now": time.time(),
                }
                try:
                    return Thread.from_row(conn.execute(q("insert_thread"), bindings).get)
                except apsw.ConstraintError as exc:
                    if exc.extendedresult != apsw.SQLITE_CONSTRAINT_PRIMARYKEY:
                        raise
                    if given is not None:
                        raise Conflict(f"thread {given!r} already exists") from exc
                    # A random id collided (about never): draw another one.

    def get_thread(self, thread_id: str) -> Thread:
        """The thread ``thread_id``.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with _Use(self) as conn:
            return self._thread(conn, tid)

    def list_threads(
        self, *, limit: int | None = 50, offset: int = 0, search: str | None = None,
        include_archived: bool = False, created_after: float | None = None,
        created_before: float | None = None, updated_after: float | None = None,
        updated_before: float | None = None, order_by: str = "updated_at", descending: bool = True,
    ) -> list[Thread]:
        """Threads, most recently updated first (or as ``order_by`` and ``descending`` say),
        each with its ``entry_count`` and ``leaf_count`` filled in.

        The counts come with the threads in one statement (no query per thread). A page in
        ``updated_at`` or ``created_at`` order walks an index and costs the same however many
        threads the file holds; ``entry_count`` order counts every matching thread's entries.

        :param limit: at most this many (``None``: all).
        :param offset: skip this many first.
        :param search: keep threads whose title contains this text, matched literally
            (``%`` and ``_`` are plain characters) and case-insensitively for ASCII letters.
            ``None`` or ``""``: no filter.
        :param include_archived: also list archived threads.
        :param created_after: keep threads created strictly after this time (Unix seconds,
            an int or float); ``None``: no bound.
        :param created_before: keep threads created strictly before this time.
        :param updated_after: keep threads last updated strictly after this time.
        :param updated_before: keep threads last updated strictly before this time.
        :param order_by: ``"updated_at"`` (default), ``"created_at"`` or ``"entry_count"``
            (entries of every branch).
        :param descending: newest or largest first (default); ``False``: oldest or smallest
            first. Ties are ordered by id in the same direction, so pages are stable.
        :raises InvalidInput: ``limit`` below 1, ``offset`` below 0, ``search`` not a string,
            a flag not a bool, a time bound that is not a finite number, an unknown
            ``order_by``.

        >>> old = store.create_thread("old", thread_id="old")
        >>> _ = store.append("old", "user", "hi")
        >>> new = store.create_thread("new", thread_id="new")
        >>> [(t.id, t.entry_count, t.leaf_count) for t in store.list_threads(order_by="entry_count")]
        [('old', 1, 1), ('new', 0, 0)]
        >>> [t.id for t in store.list_threads(created_after=new.created_at)]
        []
        """
        n = _validate.limit(limit)
        skip = _validate.offset(offset)
        text = _validate.optional_text(search, "search")
        bindings = {
            "include_archived": _validate.flag(include_archived, "include_archived"),
            "search": text or None,
            "created_after": self._time_bound(created_after, "created_after"),
            "created_before": self._time_bound(created_before, "created_before"),
            "updated_after": self._time_bound(updated_after, "updated_after"),
            "updated_before": self._time_bound(updated_before, "updated_before"),
            "order_by": self._thread_order(order_by),
            "descending": _validate.flag(descending, "descending"),
            "limit": -1 if n is None else n,
            "offset": skip,
        }
        with _Use(self) as conn:
            return [Thread.from_row(row) for row in conn.execute(q("list_threads"), bindings)]

    def update_thread(self, thread_id: str, *, title: Any = _UNSET, metadata: Any = _UNSET) -> Thread:
        """Replace the title and/or the metadata of a thread; return the thread.

        Arguments not given are left as they are; ``title=None`` removes the title.

        :raises NotFound: there is no such thread.
        :raises InvalidInput: a value has the wrong type or cannot be stored exactly.
        """
        tid = _validate.thread_id(thread_id)
        set_title, set_metadata = title is not _UNSET, metadata is not _UNSET
        if not (set_title or set_metadata):
            return self.get_thread(tid)
        new_title = _validate.optional_text(title, "title") if set_title else None
        _validate.size(new_title, "title", self._max_size)
        bindings = {
            "thread_id": tid,
            "set_title": set_title,
            "title": new_title,
            "set_metadata": set_metadata,
            "metadata": _validate.metadata(metadata, limit=self._max_size) if set_metadata else None,
        }
        return self._thread_write("update_thread", tid, bindings)

    def archive_thread(self, thread_id: str) -> Thread:
        """Archive a thread: it stays whole but leaves the default listing. Returns it.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        return self._thread_write("archive_thread", tid, {"thread_id": tid})

    def unarchive_thread(self, thread_id: str) -> Thread:
        """Undo :meth:`archive_thread`. Returns the thread.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        return self._thread_write("unarchive_thread", tid, {"thread_id": tid})

    def _thread_write(self, query: str, tid: str, bindings: dict[str, Any]) -> Thread:
        with _Write(self) as conn:
            row = conn.execute(q(query), bindings | {"now": time.time()}).get
            if row is None:
                raise NotFound(f"thread {tid!r} does not exist")
            return Thread.from_row(row)

    def delete_thread(self, thread_id: str) -> int:
        """Delete a thread and all its entries; return how many entries went with it.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with _Write(self) as conn:
            count = conn.execute(q("count_entries"), {"thread_id": tid}).get
            conn.execute(q("delete_thread"), {"thread_id": tid})
            if conn.changes() == 0:
                raise NotFound(f"thread {tid!r} does not exist")
            return count

    # -- entries --

    def append(
        self, thread_id: str, role: str, content: str, *, item: Any = None,
        parent_id: int | None = _LEAF, expected_leaf_id: int | None = _UNCHECKED,
        source_id: str | None = None, hidden: bool = False, usage: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Add an entry under the current leaf (or ``parent_id``); the leaf moves to it.

        :param item: any JSON value kept with the entry (e.g. the full provider message).
        :param parent_id: the parent to use instead of the current leaf; ``None`` starts a
            new root.
        :param expected_leaf_id: compare-and-set: write only if the current leaf is this id
            (``None``: an empty live path).
        :param source_id: an id for the entry, unique within the thread: the message's id in
            another system, or an idempotency key. If the thread already has an entry with this
            source_id, nothing is written and that entry is returned, provided its role,
            content and item are the ones given (so a retry after an ambiguous failure, such
            as a lost connection or an I/O error at commit, is safe); see :meth:`find_entry`.
        :param hidden: keep the entry but leave it out of :meth:`messages` by default.
        :param usage: what producing the message cost: a dict of numbers such as
            ``{"input_tokens": 812, "output_tokens": 95}`` (values may be dicts of numbers
            again); :meth:`usage` adds them up.
        :raises NotFound: the thread or ``parent_id`` does not exist.
        :raises InvalidInput: a bad role, content, item, source_id or usage, or a parent in
            another thread.
        :raises Conflict: the current leaf is not ``expected_leaf_id``, or ``source_id`` names
            an entry with a different role, content or item; nothing was written.

        >>> thread = store.create_thread()
        >>> first = store.append(thread.id, "user", "Where should we go?")
        >>> reply = store.append(thread.id, "assistant", "Lisbon.", item={"role": "assistant", "content": "Lisbon."})
        >>> (reply.parent_id == first.id, reply.depth, store.get_thread(thread.id).current_leaf_id == reply.id)
        (True, 1, True)
        """
        tid = _validate.thread_id(thread_id)
        message = _validate.message(role, content, item, source_id, hidden, self._max_size, usage)
        parent = parent_id if parent_id is _LEAF else _validate.optional_entry_id(parent_id, "parent_id")
        expected = self._expected(expected_leaf_id)
        with _Write(self) as conn:
            return self._add(conn, tid, parent, expected, [message], "append")[0]

    def extend(
        self, thread_id: str, messages: Iterable[Mapping[str, Any]], *,
        parent_id: int | None = _LEAF, expected_leaf_id: int | None = _UNCHECKED,
    ) -> list[Entry]:
        """Append several messages as one chain in one transaction; the leaf moves to the last.

        :param messages: dicts with ``role``, ``content`` and optionally ``item``,
            ``source_id``, ``hidden`` and ``usage`` (as in :meth:`append`). If every message has a
            source_id the thread already holds with the same role, content and item, nothing is
            written and those entries are returned: a retried extend is safe.
        :param parent_id: as in :meth:`append`, for the first message.
        :param expected_leaf_id: as in :meth:`append`.
        :raises InvalidInput: a message is malformed (the error names its index and field);
            nothing is written.
        :raises NotFound: the thread or ``parent_id`` does not exist.
        :raises Conflict: the current leaf is not ``expected_leaf_id``, or a source_id is taken
            by a different entry, or only some of the messages exist already.
        """
        tid = _validate.thread_id(thread_id)
        checked = _validate.messages(messages, self._max_size)
        parent = parent_id if parent_id is _LEAF else _validate.optional_entry_id(parent_id, "parent_id")
        expected = self._expected(expected_leaf_id)
        with _Write(self) as conn:
            return self._add(conn, tid, parent, expected, checked, "extend")

    def fork(
        self, entry_id: int, role: str, content: str, *, item: Any = None,
        expected_leaf_id: int | None = _UNCHECKED, source_id: str | None = None, hidden: bool = False,
        usage: Mapping[str, Any] | None = None,
    ) -> Entry:
        """Add a new child of ``entry_id`` (any entry) in its thread; the leaf moves to it.

        The history up to ``entry_id`` is shared with the other branches, not copied: a fork
        costs the same at any depth.

        ``source_id``, ``hidden`` and ``usage`` work as in :meth:`append`.

        :raises NotFound: the entry does not exist.
        :raises InvalidInput: a bad role, content, item or source_id.
        :raises Conflict: the thread's current leaf is not ``expected_leaf_id``, or
            ``source_id`` names an entry with a different role, content or item.
        """
        eid = _validate.entry_id(entry_id)
        message = _validate.message(role, content, item, source_id, hidden, self._max_size, usage)
        expected = self._expected(expected_leaf_id)
        with _Write(self) as conn:
            tid = self._place(conn, eid)[0]
            return self._add(conn, tid, eid, expected, [message], "fork")[0]

    def rewind(
        self, thread_id: str, entry_id: int | None, *, expected_leaf_id: int | None = _UNCHECKED
    ) -> Entry | None:
        """Move the current leaf to ``entry_id``, any entry of the thread; return that entry.

        Nothing is deleted: the entries below stay as a branch. ``entry_id=None`` empties the
        live path (the next :meth:`append` starts a new root).

        The move is recorded in the thread's :meth:`leaf_history`; :meth:`redo` walks back
        down to where the leaf was.

        :raises NotFound: the thread or the entry does not exist.
        :raises InvalidInput: the entry belongs to another thread.
        :raises Conflict: the current leaf is not ``expected_leaf_id``.
        """
        return self._rewind(thread_id, entry_id, expected_leaf_id, "rewind")

    def checkout(self, entry_id: int, *, expected_leaf_id: int | None = _UNCHECKED) -> Entry:
        """Make ``entry_id`` the current leaf of its thread (on the live branch or another
        one) and return it: :meth:`rewind` named by the entry alone, recorded as
        ``checkout`` in :meth:`leaf_history`. :meth:`redo` walks back after it as after a
        rewind, while the old leaf lies below the new one.

        :raises NotFound: the entry does not exist.
        :raises Conflict: the current leaf is not ``expected_leaf_id``.

        >>> thread = store.create_thread()
        >>> first = store.append(thread.id, "user", "hi")
        >>> _ = store.append(thread.id, "assistant", "hello")
        >>> store.checkout(first.id).id == first.id, store.leaf_history(thread.id, limit=1)[0].reason
        (True, 'checkout')
        """
        eid = _validate.entry_id(entry_id)
        with _Use(self) as conn:
            tid = self._place(conn, eid)[0]  # entries never move, so this cannot go stale
        entry = self._rewind(tid, eid, expected_leaf_id, "checkout")
        assert entry is not None
        return entry

    def _rewind(self, thread_id: str, entry_id: int | None, expected_leaf_id: Any, reason: str) -> Entry | None:
        """:meth:`rewind`, recorded with ``reason`` (``pop``, ``switch``, ``clear`` for sessions)."""
        tid = _validate.thread_id(thread_id)
        target = _validate.optional_entry_id(entry_id, "entry_id")
        expected = self._expected(expected_leaf_id)
        with _Write(self) as conn:
            if expected is _UNCHECKED:
                leaf, _ = self._leaf(conn, tid)
            entry = None
            if target is not None:
                try:
                    entry = self._entry(conn, target)
                except NotFound:
                    self._leaf(conn, tid)  # an unknown thread is named first
                    raise
                if entry.thread_id != tid:
                    self._leaf(conn, tid)
                    raise InvalidInput(
                        f"entry_id {target} belongs to thread {entry.thread_id!r}, not {tid!r}"
                    )
            if expected is _UNCHECKED:
                self._move_leaf(conn, tid, leaf, target, reason)
                return entry
            # Compare-and-set in one statement: what sessions do on every fork_at and rewind.
            now = time.time()
            bindings = {"thread_id": tid, "leaf_id": target, "expected_id": expected, "now": now}
            conn.execute(q("move_leaf_from"), bindings)
            if conn.changes() == 0:
                leaf, _ = self._leaf(conn, tid)  # NotFound
                self._check_expected(tid, leaf, expected)  # Conflict
                raise AssertionError("the compare-and-set failed for no reason")  # pragma: no cover
            if expected != target:
                record_leaf_move(conn, tid, expected, target, reason, now)
            return entry

    def redo(self, thread_id: str) -> Entry | None:
        """Move the leaf one entry forward, toward where it was before its latest rewind (or
        pop, or clear); return the entry it moved to, ``None`` when there is nothing to redo.

        Redo applies while the leaf is still on the path to that entry: an append or a fork
        after the rewind starts new history, and redo then returns ``None``. Repeated calls
        walk all the way back, through several rewinds in a row. Every step is one write,
        recorded in :meth:`leaf_history` as ``redo``.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with _Write(self) as conn:
            leaf, _ = self._leaf(conn, tid)
            behind = set() if leaf is None else {e.id for e in self._path_to(conn, leaf, None)}
            for (target,) in conn.execute(q("backward_moves"), {"thread_id": tid}).fetchall():
                if target in behind:
                    continue  # redone up to or past it already: an older rewind may go further
                path = self._path_to(conn, target, None)
                ids = [entry.id for entry in path]
                if not path or path[0].thread_id != tid or (leaf is not None and leaf not in ids):
                    return None  # deleted since, or the leaf has left that path
                step = path[0] if leaf is None else path[ids.index(leaf) + 1]
                self._move_leaf(conn, tid, leaf, step.id, "redo")
                return step
            return None

    def leaf_history(self, thread_id: str, *, limit: int | None = 50) -> list[LeafMove]:
        """The thread's leaf moves, newest first: every append, fork, rewind, redo... that
        moved its current leaf, with the leaf before and after.

        :param limit: at most this many (``None``: all).
        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        with _Snapshot(self) as conn:
            self._leaf(conn, tid)
            rows = conn.execute(q("leaf_history"), {"thread_id": tid, "limit": -1 if n is None else n})
            return [LeafMove(*row) for row in rows]

    def usage(self, thread_id: str, *, live_path_only: bool = True) -> dict[str, Any]:
        """The ``usage`` of the thread's entries added up, key by key (nested dicts too):
        ``{"input_tokens": 2412, "output_tokens": 390}``; ``{}`` when no entry has any.

        :param live_path_only: only the entries of the live path (what the conversation as it
            stands cost); ``False``: every entry of every branch (what the thread cost).
        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        only_live = _validate.flag(live_path_only, "live_path_only")
        with _Snapshot(self) as conn:
            leaf, _ = self._leaf(conn, tid)
            if not only_live:
                rows = conn.execute(q("usage_thread"), {"thread_id": tid})
            elif leaf is None:
                return {}
            else:
                rows = conn.execute(q("usage_live_path"), {"entry_id": leaf})
            total: dict[str, Any] = {}
            for (text,) in rows:
                _add_usage(total, _json.loads(text))
            return total

    def delete_branch(self, entry_id: int) -> int:
        """Delete ``entry_id`` and all its descendants; return how many entries went.

        If the current leaf was among them, it moves to the entry's parent (for a root: the
        live path becomes empty).

        :raises NotFound: the entry does not exist.
        """
        eid = _validate.entry_id(entry_id)
        with _Write(self) as conn:
            tid, parent, _ = self._place(conn, eid)
            leaf, _ = self._leaf(conn, tid)
            inside = leaf is not None and conn.execute(
                q("is_ancestor"), {"entry_id": leaf, "ancestor_id": eid}
            ).get
            self._move_leaf(conn, tid, leaf, parent if inside else leaf, "delete_branch")
            conn.execute(q("delete_subtree"), {"entry_id": eid})
            return conn.changes()

    def _add(
        self, conn: apsw.Connection, tid: str, parent: Any, expected: Any,
        messages: list[_validate.Message], reason: str,
    ) -> list[Entry]:
        """Insert ``messages`` as a chain under ``parent`` (``_LEAF``: the current leaf) and
        move the leaf to the last one. Runs inside a write transaction."""
        if messages and messages[0][4] is not None:
            existing = self._existing(conn, tid, messages)
            if existing is not None:
                return existing
        leaf, leaf_depth = self._leaf(conn, tid)
        self._check_expected(tid, leaf, expected)
        if parent is _LEAF:
            parent, depth = leaf, 0 if leaf is None else leaf_depth + 1
        elif parent is None:
            depth = 0
        else:
            parent_tid, _, parent_depth = self._place(conn, parent, "parent_id")
            if parent_tid != tid:
                raise InvalidInput(f"parent_id {parent} belongs to thread {parent_tid!r}, not {tid!r}")
            depth = parent_depth + 1
        if not messages:
            return []
        now = time.time()
        insert = q("insert_entry")
        added = []
        for role, content, item_json, item, source_id, hidden, path, usage_json, usage in messages:
            bindings = {
                "id": None, "thread_id": tid, "parent_id": parent, "role": role, "content": content,
                "item": item_json, "now": now, "depth": depth, "source_id": source_id, "hidden": hidden,
                "content_path": path, "usage": usage_json,
            }
            try:
                new_id = conn.execute(insert, bindings).get
            except apsw.ConstraintError as exc:
                if source_id is None or "source_id" not in str(exc):
                    raise
                # An earlier message without a source_id came first, so _existing did not look.
                raise Conflict(f"thread {tid!r} already has an entry with source_id {source_id!r}") from None
            added.append(Entry(new_id, tid, parent, role, content, item, now, depth, source_id, hidden, usage))
            parent, depth = new_id, depth + 1
        self._move_leaf(conn, tid, leaf, parent, reason, now)
        return added

    def _existing(self, conn: apsw.Connection, tid: str, messages: list[_validate.Message]) -> list[Entry] | None:
        """The entries ``messages`` were already written as (a retry), or ``None`` if none of
        them was. Conflict when a source_id is taken by a different entry, or some but not all
        of the messages exist."""
        found = []
        for index, (role, content, _, item, source_id, _hidden, _, _, usage) in enumerate(messages):
            row = None if source_id is None else conn.execute(
                q("find_entry"), {"thread_id": tid, "source_id": source_id}
            ).get
            if row is None:
                if found:
                    raise Conflict(
                        f"messages[{index}] is new but the messages before it exist already in thread "
                        f"{tid!r}: retry an extend with the same messages, or extend with the new ones"
                    )
                if index == 0:
                    self._leaf(conn, tid)  # NotFound for an unknown thread
                    return None
                continue
            entry = Entry.from_row(row)
            if (entry.role, entry.content, entry.item, entry.usage) != (role, content, item, usage):
                differs = [f for f, a, b in (("role", entry.role, role), ("content", entry.content, content),
                                             ("item", entry.item, item), ("usage", entry.usage, usage)) if a != b]
                raise Conflict(
                    f"thread {tid!r} already has entry {entry.id} with source_id {source_id!r} "
                    f"and a different {' and '.join(differs)}"
                )
            found.append(entry)
        return found

    @staticmethod
    def _expected(value: Any) -> Any:
        if value is _UNCHECKED:
            return value
        return _validate.optional_entry_id(value, "expected_leaf_id")

    @staticmethod
    def _check_expected(tid: str, leaf: int | None, expected: Any) -> None:
        if expected is not _UNCHECKED and expected != leaf:
            at = "an empty path" if leaf is None else f"entry {leaf}"
            raise Conflict(f"thread {tid!r} is at {at}, not at expected_leaf_id {expected}")

    @staticmethod
    def _move_leaf(
        conn: apsw.Connection, tid: str, old: int | None, leaf: int | None, reason: str, now: float | None = None,
    ) -> None:
        """Point the thread at ``leaf`` (touching updated_at) and, if that moved it, record the
        move in leaf_moves: in the caller's write transaction, so both or neither happen."""
        now = time.time() if now is None else now
        conn.execute(q("move_leaf"), {"thread_id": tid, "leaf_id": leaf, "now": now})
        if old != leaf:
            record_leaf_move(conn, tid, old, leaf, reason, now)

    # -- reading --

    def get_entry(self, entry_id: int) -> Entry:
        """The entry ``entry_id``.

        :raises NotFound: there is no such entry.
        """
        eid = _validate.entry_id(entry_id)
        with _Use(self) as conn:
            return self._entry(conn, eid)

    def find_entry(self, thread_id: str, source_id: str) -> Entry:
        """The entry of ``thread_id`` whose ``source_id`` is ``source_id``.

        :raises NotFound: there is no such thread, or no such entry in it.
        """
        tid = _validate.thread_id(thread_id)
        sid = _validate.name(source_id, "source_id")
        with _Snapshot(self) as conn:
            row = conn.execute(q("find_entry"), {"thread_id": tid, "source_id": sid}).get
            if row is None:
                self._leaf(conn, tid)  # NotFound for an unknown thread
                raise NotFound(f"thread {tid!r} has no entry with source_id {sid!r}")
            return Entry.from_row(row)

    def path(self, thread_id: str, *, limit: int | None = None) -> list[Entry]:
        """The live path: root first, down to the current leaf.

        :param limit: keep only the last ``limit`` entries (still root-first order).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``limit`` below 1.
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        with _Snapshot(self) as conn:
            leaf, _ = self._leaf(conn, tid)
            if leaf is None:
                return []
            return self._path_to(conn, leaf, n)

    def _live_items(
        self, thread_id: str, limit: int | None = None,
    ) -> tuple[int | None, array.array[int], array.array[int], list[Any]]:
        """For agent sessions: (current leaf, the ids of the visible entries of the live path,
        their parents' ids (0 for a root), the items of those entries), root first; the last
        ``limit`` entries of the path only (hidden ones count). Ids in arrays, not tuples: a
        session keeps them, and cutting thousands off an array frees no objects. An entry without an item (or with one that is not a dict)
        gives ``{"role", "content"}``, as :meth:`messages` does. No records are built: this is
        the read behind every agent run.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with _Snapshot(self) as conn:
            leaf, _ = self._leaf(conn, tid)
            ids, parents = array.array("q"), array.array("q")
            if leaf is None:
                return None, ids, parents, []
            bindings = {"entry_id": leaf, "limit": _NO_LIMIT if limit is None else limit}
            rows = conn.execute(q("live_items"), bindings).fetchall()
            rows.reverse()
            if any(a[0] >= b[0] for a, b in zip(rows, rows[1:])):
                rows.sort(key=lambda row: row[0])  # as in _path_to: a parent is older than its child
            loads, load_item = orjson.loads, _json.load_item
            add_id, add_parent = ids.append, parents.append
            items: list[Any] = []
            with GcPaused():
                for eid, parent, hidden, role, content, item, path in rows:
                    if hidden:
                        continue
                    add_id(eid)
                    add_parent(parent or 0)
                    value = (None if item is None else loads(item)) if path is None else load_item(item, path, content)
                    items.append(value if type(value) is dict else {"role": role, "content": content})
            return leaf, ids, parents, items

    def path_to(self, entry_id: int, *, limit: int | None = None) -> list[Entry]:
        """The path from a root down to ``entry_id``, root first.

        :param limit: keep only the last ``limit`` entries.
        :raises NotFound: there is no such entry.
        """
        eid = _validate.entry_id(entry_id)
        n = _validate.limit(limit)
        with _Use(self) as conn:
            path = self._path_to(conn, eid, n)
        if not path:
            raise NotFound(f"entry {eid} does not exist")
        return path

    def _path_to(self, conn: apsw.Connection, eid: int, limit: int | None) -> list[Entry]:
        bindings = {"entry_id": eid, "limit": _NO_LIMIT if limit is None else limit}
        rows = conn.execute(q("path_to"), bindings).fetchall()
        rows.reverse()
        # The walk gives leaf first, so reversed the ids grow. SQL does not promise an order
        # without ORDER BY, so check it (cheap) and sort if a future SQLite differs.
        if any(a[0] >= b[0] for a, b in zip(rows, rows[1:])):
            rows.sort(key=lambda row: row[7])  # depth
        return Entry.from_rows(rows)

    def messages(
        self, thread_id: str, *, limit: int | None = None, include_hidden: bool = False
    ) -> list[dict[str, Any]]:
        """The live path as chat messages, ready for a model API.

        An entry whose item is a dict gives that dict (the message exactly as it was stored,
        tool calls and all); any other entry gives ``{"role": ..., "content": ...}``.

        :param limit: only the last ``limit`` messages.
        :param include_hidden: also give hidden entries (left out by default).
        :raises NotFound: there is no such thread.
        """
        show_hidden = _validate.flag(include_hidden, "include_hidden")
        n = _validate.limit(limit)
        path = self.path(thread_id, limit=n if show_hidden else None)
        if not show_hidden:
            path = [entry for entry in path if not entry.hidden]
            if n is not None:
                path = path[-n:]
        return [
            entry.item if isinstance(entry.item, dict) else {"role": entry.role, "content": entry.content}
            for entry in path
        ]

    def children(self, entry_id: int) -> list[Entry]:
        """The direct children of an entry, oldest first.

        :raises NotFound: there is no such entry.
        """
        return self._entries_of("children", entry_id)

    def siblings(self, entry_id: int) -> list[Entry]:
        """The entries that share the entry's parent, the entry included, oldest first.

        For a root: every root of its thread.

        :raises NotFound: there is no such entry.
        """
        return self._entries_of("siblings", entry_id)

    def subtree(self, entry_id: int) -> list[Entry]:
        """The entry and all its descendants, in id order (parents before their children).

        :raises NotFound: there is no such entry.
        """
        return self._entries_of("subtree", entry_id)

    def _entries_of(self, query: str, entry_id: int) -> list[Entry]:
        eid = _validate.entry_id(entry_id)
        with _Snapshot(self) as conn:
            found = Entry.from_rows(conn.execute(q(query), {"entry_id": eid}))
            if not found:
                self._place(conn, eid)  # NotFound for an unknown entry; else a childless one
        return found

    def leaves(self, thread_id: str, *, include_hidden: bool = True) -> list[Entry]:
        """Every branch tip of the thread (entries without children), oldest first.

        :param include_hidden: ``False``: the tips once hidden entries (system prompts, tool
            plumbing, progress records) are left out, as a reader sees the tree: the visible
            entries with no visible descendant. A branch that ends in plumbing then ends at
            its last visible entry; a tip that is plumbing under a visible one is no branch.
        :raises NotFound: there is no such thread.

        >>> thread = store.create_thread()
        >>> _ = store.append(thread.id, "assistant", "Hi")
        >>> _ = store.append(thread.id, "other", "[progress]", hidden=True)
        >>> [e.content for e in store.leaves(thread.id)], [e.content for e in store.leaves(thread.id, include_hidden=False)]
        (['[progress]'], ['Hi'])
        """
        query = "leaves" if _validate.flag(include_hidden, "include_hidden") else "visible_leaves"
        return self._entries_in(query, thread_id)

    def entries(self, thread_id: str) -> list[Entry]:
        """Every entry of the thread, in id order (so parents come before their children).

        :raises NotFound: there is no such thread.
        """
        return self._entries_in("thread_entries", thread_id)

    def _entries_in(self, query: str, thread_id: str) -> list[Entry]:
        tid = _validate.thread_id(thread_id)
        with _Snapshot(self) as conn:
            found = Entry.from_rows(conn.execute(q(query), {"thread_id": tid}))
            if not found:
                self._leaf(conn, tid)  # NotFound for an unknown thread; else an empty one
        return found

    def _thread_and_entries(self, thread_id: str) -> tuple[Thread, list[Entry]]:
        """A thread and every entry of it, in id order, from one snapshot (for exports)."""
        tid = _validate.thread_id(thread_id)
        with _Snapshot(self) as conn:
            thread = self._thread(conn, tid)
            return thread, Entry.from_rows(conn.execute(q("thread_entries"), {"thread_id": tid}))

    def common_ancestor(self, a_id: int, b_id: int) -> Entry | None:
        """The deepest entry that is an ancestor of both (an entry is its own ancestor).

        ``None`` when they share none: different roots, or different threads.

        :raises NotFound: either entry does not exist.
        """
        a = _validate.entry_id(a_id, "a_id")
        b = _validate.entry_id(b_id, "b_id")
        with _Snapshot(self) as conn:
            self._place(conn, a)
            self._place(conn, b)
            row = conn.execute(q("common_ancestor"), {"a_id": a, "b_id": b}).get
        return None if row is None else Entry.from_row(row)

    # -- seeing the tree --

    def graph(self, thread_id: str) -> nx.DiGraph:
        """The thread as a :class:`networkx.DiGraph`, built from raw rows.

        One node per entry (key: the entry id) with attributes ``role``, ``content``,
        ``preview`` (the first line, at most 60 characters), ``depth``, ``created_at``,
        ``hidden``, ``leaf`` and ``current`` (on the live path); edges parent -> child, added
        in id order;
        graph attributes ``thread_id``, ``title``, ``current_leaf_id``.

        :raises NotFound: there is no such thread.

        >>> thread = store.create_thread("demo")
        >>> root = store.append(thread.id, "user", "hi")
        >>> _ = store.append(thread.id, "assistant", "hello")
        >>> _ = store.fork(root.id, "assistant", "hey")
        >>> g = store.graph(thread.id)
        >>> sorted(g.successors(root.id)), [n for n, d in g.nodes(data=True) if d["current"]]
        ([2, 3], [1, 3])
        """
        tid = _validate.thread_id(thread_id)
        with _Snapshot(self) as conn:
            thread = self._thread(conn, tid)
            rows = conn.execute(q("thread_rows"), {"thread_id": tid}).fetchall()
        return _graph.build_graph(thread, rows)

    def render_tree(
        self, thread_id: str, *, max_depth: int | None = None, ascii_only: bool = False,
        collapse: int | None = None, include_hidden: bool = True, width: int | None = None,
        spacers: bool = True,
    ) -> str:
        """The whole tree as text: one line per entry (id, role, preview), roots in id order,
        the live path marked with ``●`` (``*`` when ``ascii_only``), hidden entries with
        ``(hidden)`` after their role.

        :param max_depth: stop this many levels below the roots.
        :param ascii_only: only ASCII in the result, box drawing and message text alike.
        :param collapse: fold every run of more than this many entries of a linear stretch
            (one parent, one child, no branch) into a single ``… N entries: a … b`` line.
        :param include_hidden: ``False`` leaves hidden entries out, each shown entry drawn
            under its nearest shown ancestor (as the CLI's ``tree`` does by default).
        :param width: fit every line to this many terminal columns by cutting its preview;
            ``None``: 60-character previews, whatever the width.
        :param spacers: ``False`` drops the lines that hold no entry (the ``╽`` between two
            entries of a chain).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``max_depth``, ``collapse`` or ``width`` below 1.
        """
        graph = self.graph(thread_id)
        if not _validate.flag(include_hidden, "include_hidden"):
            graph = _graph.without_hidden(graph)
        return _graph.render_tree(
            graph, max_depth=max_depth, ascii_only=_validate.flag(ascii_only, "ascii_only"),
            collapse=collapse, width=width, spacers=_validate.flag(spacers, "spacers"),
        )

    def to_dot(self, thread_id: str, *, collapse: int | None = None) -> str:
        """The tree as Graphviz DOT text (``dot -Tsvg``): the live path in red, leaves with a
        double border. Message text is escaped, so quotes and line breaks cannot break it.

        :raises NotFound: there is no such thread.
        """
        return _graph.to_dot(self.graph(thread_id), collapse=collapse)

    def to_mermaid(self, thread_id: str, *, collapse: int | None = None) -> str:
        """The tree as a Mermaid flowchart: the live path in red, leaves rounded. Message text
        is written with Mermaid's entity codes, so quotes, brackets and ``#`` cannot break it.

        :raises NotFound: there is no such thread.
        """
        return _graph.to_mermaid(self.graph(thread_id), collapse=collapse)

    def check(self, thread_id: str | None = None) -> list[Problem]:
        """Every problem in the file (or in one thread): ``[]`` means healthy.

        Rebuilds each thread from raw rows and finds cycles, parents missing or in another
        thread, wrong depths, a current leaf that is missing or foreign, and a leaves table
        out of step; for the whole file also what ``PRAGMA integrity_check`` and
        ``foreign_key_check`` report and rows of threads that no longer exist. The kinds are
        listed in :data:`threadtree.check.KINDS`. Linear in the number of entries.

        :raises NotFound: ``thread_id`` is given and there is no such thread.

        >>> thread = store.create_thread()
        >>> _ = store.append(thread.id, "user", "hi")
        >>> store.check(), store.check(thread.id)
        ([], [])
        """
        tid = None if thread_id is None else _validate.thread_id(thread_id)
        with _Snapshot(self) as conn:
            if tid is None:
                return _check.check(conn, None)
            leaf, _ = self._leaf(conn, tid)
            return _check.check(conn, tid, leaf)

    # -- lookups inside a transaction --

    @staticmethod
    def _leaf(conn: apsw.Connection, tid: str) -> tuple[int | None, int | None]:
        """(current leaf, its depth) of a thread; NotFound if there is no such thread."""
        row = conn.execute(q("thread_leaf"), {"thread_id": tid}).get
        if row is None:
            raise NotFound(f"thread {tid!r} does not exist")
        return row

    @staticmethod
    def _place(conn: apsw.Connection, eid: int, field: str | None = None) -> tuple[str, int | None, int]:
        """(thread id, parent id, depth) of an entry; NotFound if there is no such entry."""
        row = conn.execute(q("entry_place"), {"entry_id": eid}).get
        if row is None:
            named = "" if field is None else f" ({field})"
            raise NotFound(f"entry {eid}{named} does not exist")
        return row

    @staticmethod
    def _thread(conn: apsw.Connection, tid: str) -> Thread:
        row = conn.execute(q("get_thread"), {"thread_id": tid}).get
        if row is None:
            raise NotFound(f"thread {tid!r} does not exist")
        return Thread.from_row(row)

    @staticmethod
    def _entry(conn: apsw.Connection, eid: int) -> Entry:
        row = conn.execute(q("get_entry"), {"entry_id": eid}).get
        if row is None:
            raise NotFound(f"entry {eid} does not exist")
        return Entry.from_row(row)


def _add_usage(total: dict[str, Any], usage: Any) -> None:
    """Add one entry's usage into ``total``; a value that is not a number or a dict of numbers
    (written by another tool) is left out."""
    if not isinstance(usage, dict):
        return
    for key, value in usage.items():
        if isinstance(value, dict):
            inner = total.setdefault(key, {})
            if isinstance(inner, dict):
                _add_usage(inner, value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            before = total.get(key, 0)
            if isinstance(before, (int, float)):
                total[key] = before + value


def open(
    path: str | bytes | os.PathLike[str] | None = None, *, synchronous: str = "FULL", timeout: float = 5.0,
    readonly: bool = False, max_size: int = _validate.DEFAULT_MAX_SIZE,
) -> Store:
    """Open (creating and migrating as needed) a threadtree database and return its Store.

    :param path: the database file; ``":memory:"`` for a private in-memory database; ``None``
        for ``$THREADTREE_DB`` (set but empty raises :class:`InvalidInput`), else
        ``threadtree.db`` in the user data directory (see :func:`threadtree.default_path`;
        that folder is created when missing).
    :param synchronous: ``"FULL"`` (default): a write acknowledged by a return survives power
        loss. ``"NORMAL"``: faster commits; a power loss can drop the last writes (never
        corrupt the file).
    :param timeout: seconds a write waits for other writers before raising :class:`Busy`.
    :param readonly: read without changing the file in any way: nothing is created or
        migrated, and every write raises :class:`ThreadTreeError`. The file must exist and be
        at this threadtree's schema version. Works on a file this user may not write (a
        read-only folder or file system): then no -wal or -shm file is made beside it, and if
        another process writes to the file later, calls raise :class:`ThreadTreeError` (open
        it again) rather than return out-of-date rows.
    :param max_size: the largest content or title (in characters) and item or metadata (in
        bytes of JSON) a write accepts, 64 MiB by default; a larger one raises
        :class:`InvalidInput` before anything is copied into SQLite.
    :raises SchemaError: the file is not a threadtree database, is damaged or cut short (shorter
        than its header says), or was written by a newer threadtree; it is left unchanged.
        Read-only, also a file that needs migrating.
    :raises ThreadTreeError: the file cannot be opened (a directory, a named pipe or device, a
        missing folder; for writing, a file or folder this user may not write, a read-only file
        system; read-only, no file, or a -wal holding changes that cannot be read without a
        -shm file that cannot be made).
    :raises InvalidInput: a bad argument.

    >>> with threadtree.open(":memory:") as store:
    ...     store.create_thread("demo").title
    'demo'
    """
    mode = _validate.synchronous(synchronous)
    wait = _validate.timeout(timeout)
    readonly = _validate.flag(readonly, "readonly")
    cap = _validate.max_size(max_size)
    if path is None:
        target = default_path()
        if "THREADTREE_DB" not in os.environ and not readonly:
            target.parent.mkdir(parents=True, exist_ok=True)
        filename = str(target)
    elif isinstance(path, (str, bytes, os.PathLike)):
        filename = os.fsdecode(path)
        if not filename:
            raise InvalidInput("path must not be empty (use ':memory:' for a memory database)")
    else:
        raise InvalidInput(f"path must be a str, bytes, a path or None, not {type(path).__name__}")
    conn, guard = connect(filename, synchronous=mode, timeout=wait, readonly=readonly)
    return Store(conn, filename, timeout=wait, readonly=readonly, max_size=cap, guard=guard)

