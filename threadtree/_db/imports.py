"""Storage functions of imports and restores: threads that came from a file, and their entries.

The importers (``threadtree.formats``) read a file and plan what to write: which thread a
conversation goes to, which of its nodes are there already, which are new and where they go.
These functions are what they read and write with, each in the caller's transaction (see
``_db/tree.py``). Unlike the Store's calls, an import keeps what the file says: its own times,
ids when a dump is restored, a thread's title and metadata as they were. So threads are read
here as rows (:class:`ThreadRow`: metadata as its JSON text, ``archived_at`` as a time), which
a re-import compares and writes back unchanged where it has nothing to add.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ..records import Entry
from . import threads, tree
from .engine import Tx, UniqueViolation

__all__ = [
    "NewEntries",
    "Shape",
    "SourceEntry",
    "ThreadRow",
    "any_taken",
    "entries",
    "insert_thread",
    "shapes",
    "source_entries",
    "source_thread",
    "thread",
    "update_entry",
    "update_thread",
]


class ThreadRow(NamedTuple):
    """A thread as stored (``get_thread``'s columns): what an import compares and writes back."""

    id: str
    title: str | None
    metadata: str  # JSON text
    created_at: float
    updated_at: float
    archived_at: float | None
    leaf_id: int | None
    source_format: str | None
    source_id: str | None
    origin_thread_id: str | None
    origin_entry_id: int | None


class SourceEntry(NamedTuple):
    """An entry that came from a source node: what a re-import matches the node against."""

    source_id: str
    id: int
    parent_id: int | None
    role: str
    content: str
    item: str | None  # JSON text, without the text cut out at content_path
    hidden: int
    depth: int
    content_path: str | None
    usage: str | None  # JSON text


class Shape(NamedTuple):
    """Where an entry sits in its thread: its id, its parent's (``None`` for a root), its depth."""

    id: int
    parent_id: int | None
    depth: int


# -- threads --


def thread(tx: Tx, tid: str) -> ThreadRow | None:
    """The thread ``tid``, or ``None``."""
    row = tx.one("get_thread", {"thread_id": tid})
    return None if row is None else ThreadRow._make(row)


def source_thread(tx: Tx, source_format: str, source_id: str) -> ThreadRow | None:
    """The thread imported from conversation ``source_id`` of ``source_format``, or ``None``."""
    row = tx.one("find_source_thread", {"source_format": source_format, "source_id": source_id})
    return None if row is None else ThreadRow._make(row)


def insert_thread(tx: Tx, fields: dict[str, Any], thread_id: str | None = None) -> ThreadRow:
    """Insert a thread with an empty live path and return it: the id ``thread_id``, or a random
    one (32 hex digits). ``fields``: title, metadata (JSON text), created_at, updated_at,
    archived_at, source_format and source_id (``None`` both, or a conversation no thread has),
    and optionally origin_thread_id and origin_entry_id (a copy's origin, kept by a restore).

    :raises UniqueViolation: ``thread_id``, or the source, is taken.
    """
    fields = {"origin_thread_id": None, "origin_entry_id": None} | fields
    while True:
        try:
            row = tx.one("insert_imported_thread", fields | {"thread_id": thread_id or threads.new_id()})
        except UniqueViolation as exc:
            if thread_id is not None or "source_id" in exc.detail:
                raise
            continue  # a random id collided (about never): draw another one
        assert row is not None  # insert ... returning gives the row it inserted
        return ThreadRow(*row)


def update_thread(
    tx: Tx,
    tid: str,
    *,
    title: str | None,
    metadata: str,
    updated_at: float,
    archived_at: float | None,
    old_leaf: int | None,
    leaf: int | None,
    reason: str,
    now: float,
) -> None:
    """Set what the source says of a thread (``metadata`` as JSON text), its live leaf among
    them; a leaf that moved is recorded in its history as ``reason``, at ``now``."""
    seq = tree.next_move(tx, tid) if leaf != old_leaf else 0
    tx.run(
        "update_imported_thread",
        {
            "thread_id": tid,
            "title": title,
            "metadata": metadata,
            "leaf_id": leaf,
            "updated_at": updated_at,
            "archived_at": archived_at,
        },
    )
    if leaf != old_leaf:
        tree.record_leaf_move(tx, tid, seq, old_leaf, leaf, reason, now)


# -- entries --


def entries(tx: Tx, tid: str) -> list[Entry]:
    """Every entry of an existing thread, in id order."""
    return Entry.from_rows(tx.rows("thread_entries", {"thread_id": tid}))


def source_entries(tx: Tx, tid: str) -> dict[str, SourceEntry]:
    """The thread's entries that came from a source node, by their node's id."""
    found = map(SourceEntry._make, tx.rows("source_entries", {"thread_id": tid}))
    return {entry.source_id: entry for entry in found}


def shapes(tx: Tx, tid: str) -> list[Shape]:
    """Where every entry of the thread sits, in id order (no texts: they can be large)."""
    return list(map(Shape._make, tx.rows("thread_structure", {"thread_id": tid})))


def any_taken(tx: Tx, ids: Iterable[int]) -> bool:
    """Whether some entry of any thread has one of these ids (read until the first one that has)."""
    return any(tx.one("entry_place", {"entry_id": eid}) is not None for eid in ids)


def update_entry(
    tx: Tx,
    tid: str,
    eid: int,
    role: str,
    content: str,
    item: str | None,
    hidden: bool,
    content_path: str | None,
    usage: str | None = None,
) -> None:
    """Take the source's newer role, text, item (JSON text), hidden flag and usage (JSON
    text) for an imported entry ``eid`` of thread ``tid``. It stays where it is: entries
    never move."""
    tx.run(
        "update_imported_entry",
        {
            "thread_id": tid,
            "entry_id": eid,
            "role": role,
            "content": content,
            "item": item,
            "hidden": hidden,
            "content_path": content_path,
            "usage": usage,
        },
    )


class NewEntries:
    """New entries of one thread, written together by :meth:`insert`: one executemany, not a
    statement each (an import adds thousands).

    :meth:`add` numbers an entry (unless it is given its id) from the first id never given,
    read under the caller's write lock, and returns its id, so that its children can be added
    under it before anything is written: add parents first.
    """

    __slots__ = ("_next", "_tid", "_tx", "rows")

    def __init__(self, tx: Tx, tid: str) -> None:
        self._tx = tx
        self._tid = tid
        self._next: int | None = None  # read when the first id is numbered here
        self.rows: list[dict[str, Any]] = []

    def __len__(self) -> int:
        return len(self.rows)

    def add(
        self,
        parent_id: int | None,
        depth: int,
        role: str,
        content: str,
        item: str | None,
        created_at: float,
        source_id: str | None,
        hidden: bool,
        content_path: str | None,
        usage: str | None = None,
        eid: int | None = None,
        merged_from: int | None = None,
    ) -> int:
        """Add an entry (``item`` and ``usage`` as JSON text) and return its id: ``eid`` if given.
        ``merged_from``: the branch tip a merge entry summarizes (a restore keeps it)."""
        if eid is None:
            eid = self._next
            if eid is None:
                eid = self._tx.value("next_entry_id")
            self._next = eid + 1
        self.rows.append(
            {
                "id": eid,
                "thread_id": self._tid,
                "parent_id": parent_id,
                "role": role,
                "content": content,
                "item": item,
                "now": created_at,
                "depth": depth,
                "source_id": source_id,
                "hidden": hidden,
                "content_path": content_path,
                "usage": usage,
                "merged_from": merged_from,
            }
        )
        return eid

    def insert(self) -> None:
        """Write the entries added.

        :raises UniqueViolation: an id or a source id is taken in the thread.
        """
        if self.rows:
            self._tx.many("insert_entry", self.rows)
