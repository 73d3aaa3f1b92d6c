"""An OpenAI Agents SDK session kept in a threadtree thread: agent runs that fork, rewind and redo.

:class:`ThreadTreeSession` implements the SDK's ``Session`` protocol (``get_items``,
``add_items``, ``pop_item``, ``clear_session``, ``session_id``, ``session_settings``), so
``Runner.run(agent, "...", session=ThreadTreeSession("chat-1", "chats.db"))`` keeps the
conversation in a threadtree file. Install the SDK with ``pip install 'threadtree[agents]'``;
``import threadtree`` never imports it, only ``import threadtree.agents`` does.

A session is one thread (``session_id`` is the thread id). Each item the SDK stores (a
message, a function call, its output, a reasoning item...) is one entry: ``item`` is the item
exactly as given, ``content`` its readable text, ``role`` its role (see :func:`item_role`).
The session's *items* are the thread's live path, root first (entries marked hidden, which a
session never writes, are left out). Nothing is ever destroyed unless asked:

- ``pop_item`` moves the current leaf to the popped entry's parent; the entry stays as a
  branch, and ``redo`` brings it back.
- ``clear_session`` empties the live path; the history stays in the file
  (``clear_session(purge=True)`` deletes the thread).
- ``fork_at`` / ``fork`` / ``rewind`` make the live path end earlier, so the next run
  continues from there on a new branch; ``switch`` goes to another branch's tip;
  ``branches`` lists the tips.

All of it is in the file: another process opening the same thread continues on the same
branch, and can redo what this one rewound.

Concurrency: every write is one transaction of the store, so writers in any number of
processes never corrupt a thread; two agents adding to one thread at once interleave their
items, as with any SDK session. For strict turn order, pass ``strict=True`` (every write then
requires the thread to be where this session last saw it, and raises
:class:`threadtree.Conflict` otherwise, writing nothing), or pass ``expected_leaf_id`` to
:meth:`ThreadTreeSession.add_items`.

The async methods run the store's calls on one worker thread per session (in call order), so
an agent's event loop never waits on the disk; see :meth:`ThreadTreeSession.close`.
"""

from __future__ import annotations

import array
import asyncio
import dataclasses
import os
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs
import orjson

try:
    from agents.memory.session_settings import SessionSettings
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "threadtree.agents needs the OpenAI Agents SDK: pip install 'threadtree[agents]'"
    ) from exc

from . import _validate
from .errors import Conflict, InvalidInput, NotFound
from .graph import preview
from .records import Entry
from .store import _UNCHECKED, Store
from .store import open as _open

__all__ = ["Branch", "ThreadTreeSession", "item_role", "item_text"]

_T = TypeVar("_T")


class _Unknown:
    def __repr__(self) -> str:
        return "<not read yet>"


_UNKNOWN: Any = _Unknown()
_RETRIES = 20  # non-strict read-then-write steps retried after another writer moved the leaf


@attrs.frozen
class Branch:
    """One branch of a session's thread, named by its tip (see :meth:`ThreadTreeSession.branches`).

    :ivar leaf_id: the entry at the tip (pass it to :meth:`ThreadTreeSession.switch`).
    :ivar length: how many entries the branch's path holds, root to tip.
    :ivar role: the tip's role.
    :ivar preview: the first line of the tip's text, at most 60 characters.
    :ivar live: whether the tip is the current leaf (after a rewind or a fork the live path
        ends inside the tree, and no branch is live until something is added).
    :ivar created_at: Unix seconds (UTC) when the tip was written.
    """

    leaf_id: int
    length: int
    role: str
    preview: str
    live: bool
    created_at: float


# -- items --

def item_role(item: Mapping[str, Any]) -> str:
    """The role an item is stored with: its ``role`` when it has one (``user``,
    ``assistant``, ``system``, ``developer``); ``tool`` for an output (a ``type`` ending in
    ``_output``: ``function_call_output``, ``computer_call_output``...); ``user`` for an
    ``mcp_approval_response``; ``assistant`` for everything else the model produces
    (``function_call``, ``reasoning``, ``web_search_call``...).

    >>> item_role({"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c"})
    'assistant'
    >>> item_role({"type": "function_call_output", "call_id": "c", "output": "4"})
    'tool'
    """
    role = item.get("role")
    if isinstance(role, str) and role.strip():
        return role
    kind = item.get("type")
    if isinstance(kind, str):
        if kind.endswith("_output"):
            return "tool"
        if kind == "mcp_approval_response":
            return "user"
    return "assistant"


def _parts_text(value: Any) -> str:
    """The text of a message's content or a tool's output: a string, or a list of parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping):
                for key in ("text", "refusal", "transcript"):
                    if isinstance(part.get(key), str):
                        texts.append(part[key])
                        break
                else:
                    kind = part.get("type", "part")
                    name = part.get("filename") or part.get("file_id") or ""
                    texts.append(f"[{kind}{': ' + name if name else ''}]")
        return "\n".join(texts)
    if value is None:
        return ""
    return orjson.dumps(value).decode()


def item_text(item: Mapping[str, Any]) -> str:
    """The readable text of an item, stored as the entry's ``content``: a message's text
    (its parts joined by line breaks, ``[input_image]`` for an image), ``name(arguments)``
    for a tool call, a tool's output, a reasoning item's summary; ``[type]`` when there is no
    text.

    >>> item_text({"role": "user", "content": [{"type": "input_text", "text": "Hi"}]})
    'Hi'
    >>> item_text({"type": "function_call", "name": "add", "arguments": '{"a": 2}', "call_id": "c"})
    'add({"a": 2})'
    """
    if "role" in item or item.get("type") == "message":
        return _parts_text(item.get("content"))
    kind = item.get("type")
    if "name" in item and ("arguments" in item or "input" in item):
        args = item.get("arguments", item.get("input"))
        return f"{item['name']}({args if isinstance(args, str) else _parts_text(args)})"
    if kind == "reasoning":
        parts = [*(item.get("summary") or []), *(item.get("content") or [])]
        return _parts_text(parts)
    if "output" in item:
        return _parts_text(item["output"])
    return f"[{kind}]" if isinstance(kind, str) else ""


def _settings(given: Mapping[str, Any]) -> SessionSettings:
    """SessionSettings from a dict, refusing what it would silently drop: a misspelt key
    (``{"limitt": 1}`` would otherwise give every item), as the SDK's own sessions refuse it."""
    known = [f.name for f in dataclasses.fields(SessionSettings) if f.init]
    unknown = sorted(str(key) for key in given if key not in known)
    if unknown:
        raise InvalidInput(
            f"session_settings has unknown settings: {', '.join(map(repr, unknown))} (known: {', '.join(known)})"
        )
    try:
        return SessionSettings(**given)
    except ValueError as exc:  # pydantic's ValidationError: a value of the wrong type
        raise InvalidInput(f"session_settings: {' '.join(str(exc).split())}") from None


def _message(index: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise InvalidInput(f"items[{index}] must be a dict (a Responses API input item), not {type(item).__name__}")
    item = dict(item)
    return {"role": item_role(item), "content": item_text(item), "item": item}


def _as_item(entry: Entry) -> dict[str, Any]:
    """The item an entry stands for; an entry written without one (by another program, an
    import) gives ``{"role", "content"}``, as :meth:`Store.messages` does."""
    item = entry.item
    return item if isinstance(item, dict) else {"role": entry.role, "content": entry.content}


# -- the session --

class ThreadTreeSession:
    """An Agents SDK session stored as the thread ``thread_id`` of a threadtree database.

    :param thread_id: the thread (also the ``session_id``). It is created on the first
        :meth:`add_items`; until then the session reads as empty.
    :param store: a :class:`threadtree.Store` to use (the session never closes it); a path
        to open (``None``: the default database, as :func:`threadtree.open`), which the
        session closes in :meth:`close`.
    :param session_settings: the SDK's ``SessionSettings`` (or a dict of them; an unknown key
        raises, as in the SDK's sessions): its ``limit`` is the default of :meth:`get_items`.
    :param strict: strict turn order: every write requires the thread's current leaf to be
        where this session last saw it (its latest read or write; before either, the thread
        as the first write finds it), and raises :class:`threadtree.Conflict`, writing
        nothing, when another writer moved it. Off by default: writes then go on top of
        whatever the thread holds, as with any SDK session.
    :param title: the title of the thread if the session creates it.
    :raises InvalidInput: a bad argument.

    Use it as a context manager (``with`` or ``async with``) or call :meth:`close`. Once it is
    closed, every call raises ``RuntimeError``, as the SDK's sessions do.
    """

    def __init__(
        self, thread_id: str, store: Store | str | os.PathLike[str] | None = None, *,
        session_settings: SessionSettings | Mapping[str, Any] | None = None, strict: bool = False,
        title: str | None = None,
    ) -> None:
        self.session_id: str = _validate.thread_id(thread_id)
        if session_settings is None:
            self.session_settings: SessionSettings | None = SessionSettings()
        elif isinstance(session_settings, SessionSettings):
            self.session_settings = session_settings
        elif isinstance(session_settings, Mapping):
            self.session_settings = _settings(session_settings)
        else:
            raise InvalidInput(
                f"session_settings must be SessionSettings, a dict or None, not {type(session_settings).__name__}"
            )
        self.strict = _validate.flag(strict, "strict")
        self._title = _validate.optional_text(title, "title")
        if isinstance(store, Store):
            self._store, self._owns_store = store, False
        elif store is None or isinstance(store, (str, os.PathLike)):
            self._store, self._owns_store = _open(store), True
        else:
            raise InvalidInput(f"store must be a threadtree.Store, a path or None, not {type(store).__name__}")
        # What this session last saw of the thread: its current leaf, and (when known) the
        # visible entries of the live path as (id, parent id), so that fork_at and rewind need
        # no read of the whole path. Every write that relies on them checks the leaf under the
        # store's write lock (expected_leaf_id), so a stale view can only cost a retry.
        self._leaf: Any = _UNKNOWN
        self._path: _Steps | None = None
        self._worker: _Worker | None = None
        self._worker_lock = threading.Lock()
        self._closed = False

    @property
    def store(self) -> Store:
        """The store the session reads and writes."""
        return self._store

    def __repr__(self) -> str:
        return f"<threadtree.agents.ThreadTreeSession {self.session_id!r} on {self._store.filename!r}>"

    def close(self) -> None:
        """Stop the session's worker thread and close the store if the session opened it (a
        store passed in stays open: its owner closes it). Closing twice is harmless."""
        with self._worker_lock:
            worker, self._worker = self._worker, None
            self._closed = True
        if worker is not None:
            worker.stop()
        if self._owns_store:
            self._store.close()

    def __enter__(self) -> ThreadTreeSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> ThreadTreeSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.close)

    def _check_open(self) -> None:
        """Raise ``RuntimeError`` once the session is closed, as the SDK's sessions do for
        every call (even one that would have nothing to do)."""
        if self._closed:
            raise RuntimeError(f"session {self.session_id!r} is closed")

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run ``fn`` on the session's worker thread: calls run one at a time, in the order
        they were made, and the event loop stays free while SQLite waits on the disk or on
        another writer. A cancelled caller still waits for the call to end (a write cannot be
        taken back half way), then sees the cancellation."""
        with self._worker_lock:
            self._check_open()
            if self._worker is None:
                self._worker = _Worker(f"threadtree-session-{self.session_id}")
            future = self._worker.submit(fn, args)
        cancelled: asyncio.CancelledError | None = None
        while True:
            try:
                result = await asyncio.shield(future)
                break
            except asyncio.CancelledError as exc:
                if future.done():
                    raise
                cancelled = cancelled or exc
        if cancelled is not None:
            raise cancelled
        return result

    # -- the Session protocol --

    async def get_items(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The live path's items, root first, exactly as they were added.

        :param limit: only the last ``limit`` items; ``None``: ``session_settings.limit``
            (all when that is ``None`` too). As in the SDK's ``SQLiteSession``, ``0`` gives
            ``[]`` and a negative limit all items.
        """
        self._check_open()
        if limit is None and self.session_settings is not None:
            limit = self.session_settings.limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise InvalidInput(f"limit must be an int or None, not {type(limit).__name__}")
        if limit == 0:
            return []
        return await self._run(self._get_items, None if limit is None or limit < 0 else limit)

    async def add_items(self, items: list[Any], *, expected_leaf_id: int | None = _UNCHECKED) -> None:
        """Append ``items`` below the current leaf as one chain, in one transaction (all or
        none); the leaf moves to the last. Creates the thread on first use.

        :param expected_leaf_id: write only if the thread's current leaf is this entry id
            (``None``: an empty live path); see :meth:`current_leaf_id`. Overrides ``strict``.
        :raises threadtree.Conflict: the leaf is elsewhere (``expected_leaf_id`` or
            ``strict``); nothing was written.
        :raises threadtree.InvalidInput: an item is not a dict or cannot be stored exactly as
            JSON (the error names ``items[i]``); nothing was written.
        """
        self._check_open()
        if isinstance(items, (str, bytes, Mapping)):
            raise InvalidInput(f"items must be a list of dicts, not {type(items).__name__}")
        messages = [_message(index, item) for index, item in enumerate(items)]
        if expected_leaf_id is not _UNCHECKED:
            expected_leaf_id = _validate.optional_entry_id(expected_leaf_id, "expected_leaf_id")
        if not messages:
            return
        await self._run(self._add_items, messages, expected_leaf_id)

    async def pop_item(self) -> dict[str, Any] | None:
        """Take the last item off the live path and return it (``None`` when the path is
        empty). The entry is kept as a branch: the leaf moves to its parent (recorded as
        ``pop``), and :meth:`redo` brings it back.

        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        return await self._run(self._pop_item)

    async def clear_session(self, *, purge: bool = False) -> None:
        """Empty the live path (recorded as ``clear``); every entry stays in the file, for
        :meth:`branches` and :meth:`switch`. ``purge=True`` deletes the thread and all its
        entries instead.

        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        await self._run(self._clear, _validate.flag(purge, "purge"))

    # -- branching --

    async def fork_at(self, item_index: int) -> Entry:
        """Make the live path end at item ``item_index`` (0-based, as in :meth:`get_items`
        without a limit; negative counts from the end), so the next run continues from it on
        a new branch. Any item will do: a question, an assistant reply, a tool output, the
        last item. The items after it stay as a branch; the move is recorded as ``rewind``,
        so :meth:`redo` can undo it until something is added. Returns the entry now at the
        leaf.

        Uses the live path as this session last read or wrote it (every run reads it), so
        it costs one small write at any depth.

        :raises threadtree.InvalidInput: no item has that index.
        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        if isinstance(item_index, bool) or not isinstance(item_index, int):
            raise InvalidInput(f"item_index must be an int, not {type(item_index).__name__}")
        return await self._run(self._move_on_path, "item_index", item_index)

    async def fork(self, entry_id: int) -> Entry:
        """Make the live path end at ``entry_id``, any entry of the thread (from
        :meth:`path`, :meth:`branches` or the store), so the next run continues from it on
        a new branch. Recorded as ``rewind``, as :meth:`fork_at` is. Returns that entry.

        :raises threadtree.NotFound: there is no such entry.
        :raises threadtree.InvalidInput: the entry belongs to another thread.
        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        eid = _validate.entry_id(entry_id)
        return await self._run(self._move_to, eid, "rewind")

    async def rewind(self, steps: int = 1) -> Entry | None:
        """Move the end of the live path ``steps`` items back (as ``steps`` pops would,
        without returning them); return the entry now at the leaf (``None``: the path is
        empty). :meth:`redo` goes forward again.

        :raises threadtree.InvalidInput: ``steps`` below 1 or more than the items there are.
        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InvalidInput(f"steps must be an int of at least 1, not {steps!r}")
        return await self._run(self._move_on_path, "steps", steps)

    async def redo(self) -> Entry | None:
        """One item forward toward where the leaf was before the latest rewind, pop or fork
        (:meth:`threadtree.Store.redo`, in whichever process that happened); returns the
        entry added back to the live path, ``None`` when there is nothing to redo (new items
        were added since, or the session switched branches). Call it again to go further.

        Not a compare-and-set, even for a ``strict`` session: the store's redo has no
        ``expected_leaf_id``."""
        return await self._run(self._redo)

    async def switch(self, leaf_id: int) -> Entry:
        """Continue on another branch: the live path ends at the branch tip ``leaf_id``
        (one of :meth:`branches`); recorded as ``switch``. Returns the tip.

        :raises threadtree.NotFound: there is no such entry.
        :raises threadtree.InvalidInput: the entry belongs to another thread or is not a tip
            (use :meth:`fork` to continue from inside a branch).
        :raises threadtree.Conflict: ``strict`` and another writer moved the leaf.
        """
        eid = _validate.entry_id(leaf_id, "leaf_id")
        return await self._run(self._switch, eid)

    async def branches(self) -> list[Branch]:
        """Every branch of the thread, by tip, oldest first; ``[]`` before the first item."""
        return await self._run(self._branches)

    async def path(self) -> list[Entry]:
        """The live path's entries, root first (the records behind :meth:`get_items`: ids
        for :meth:`fork`, roles, texts, times)."""
        return await self._run(self._entries)

    async def current_leaf_id(self) -> int | None:
        """The thread's current leaf (``None``: an empty or missing thread), for
        ``add_items(..., expected_leaf_id=...)``."""
        return await self._run(self._current_leaf)

    # -- the work, on the worker thread --

    def _expected(self) -> Any:
        return self._leaf if self.strict and self._leaf is not _UNKNOWN else _UNCHECKED

    def _remember(self, leaf: int | None, path: list[Entry] | None) -> None:
        """Keep the (id, parent id) of the visible entries of the live path."""
        self._leaf = leaf
        self._path = None if path is None else _Steps.of(e for e in path if not e.hidden)

    def _read_path(self, limit: int | None = None) -> list[Entry]:
        """The live path (the last ``limit`` entries); [] for a thread not created yet."""
        try:
            return self._store.path(self.session_id, limit=limit)
        except NotFound:
            return []

    def _check_strict(self, leaf: int | None) -> None:
        if self.strict and self._leaf is not _UNKNOWN and leaf != self._leaf:
            raise Conflict(
                f"thread {self.session_id!r} moved to {_where(leaf)} since this session saw it at "
                f"{_where(self._leaf)}"
            )

    def _live_items(self, limit: int | None = None) -> tuple[int | None, _Steps, list[Any]]:
        """(leaf, the visible entries, their items) of the live path; nothing for a thread
        not created yet."""
        try:
            leaf, ids, parents, items = self._store._live_items(self.session_id, limit)
        except NotFound:
            return None, _Steps(), []
        return leaf, _Steps(ids, parents), items

    def _get_items(self, limit: int | None) -> list[dict[str, Any]]:
        leaf, steps, items = self._live_items(limit)
        if limit is None:
            self._leaf, self._path = leaf, steps
            return items
        if len(steps) < limit and (not steps or steps.parent(0) is not None):
            # Hidden entries took some of the ``limit``: the last visible ones reach further up.
            leaf, steps, items = self._live_items()
        if leaf != self._leaf:
            self._leaf, self._path = leaf, None
        return items[-limit:]

    def _entries(self) -> list[Entry]:
        path = self._read_path()
        self._remember(path[-1].id if path else None, path)
        return list(path)  # the session keeps the list it read

    def _current_leaf(self) -> int | None:
        try:
            leaf = self._store.get_thread(self.session_id).current_leaf_id
        except NotFound:
            leaf = None
        if leaf != self._leaf:
            self._remember(leaf, None)
        return leaf

    def _add_items(self, messages: list[dict[str, Any]], expected: Any) -> None:
        if expected is _UNCHECKED:
            expected = self._expected()
        options = {} if expected is _UNCHECKED else {"expected_leaf_id": expected}
        try:
            try:
                added = self._store.extend(self.session_id, messages, **options)
            except NotFound:
                if self._store_has_thread():
                    raise
                try:
                    self._store.create_thread(self._title, thread_id=self.session_id)
                except Conflict:
                    pass  # another session created it first
                added = self._store.extend(self.session_id, messages, **options)
        except InvalidInput as exc:
            raise InvalidInput(str(exc).replace("messages[", "items[", 1)) from None
        if self._path is not None and added[0].parent_id == self._leaf:
            self._path.extend(added)
        else:
            self._path = None
        self._leaf = added[-1].id

    def _store_has_thread(self) -> bool:
        try:
            self._store.get_thread(self.session_id)
        except NotFound:
            return False
        return True

    def _pop_item(self) -> dict[str, Any] | None:
        for _ in range(_RETRIES):
            path = self._read_path(limit=1)
            if path and path[-1].hidden:
                path = self._read_path()  # the last visible entry is further up
            leaf = path[-1].id if path else None
            self._check_strict(leaf)
            visible = [entry for entry in path if not entry.hidden]
            if not visible:
                return None  # an empty path (or only hidden entries, which a session never adds)
            entry = visible[-1]
            try:
                self._store._rewind(self.session_id, entry.parent_id, leaf, "pop")
            except Conflict:
                if self.strict:
                    raise
                continue  # another writer moved the leaf between the read and the write
            known = self._path
            if known and self._leaf == leaf and known.id(-1) == entry.id:
                known.cut(len(known) - 1)
            else:
                self._path = None
            self._leaf = entry.parent_id
            return _as_item(entry)
        raise Conflict(f"thread {self.session_id!r} kept moving: pop_item gave up after {_RETRIES} tries")

    def _clear(self, purge: bool) -> None:
        if purge:
            try:
                self._check_strict(self._store.get_thread(self.session_id).current_leaf_id)
                self._store.delete_thread(self.session_id)
            except NotFound:
                pass  # never created, or purged already
        else:
            try:
                self._store._rewind(self.session_id, None, self._expected(), "clear")
            except NotFound:
                pass  # nothing to clear in a thread that does not exist yet
        self._remember(None, [])

    def _move_on_path(self, field: str, value: int) -> Entry | None:
        """fork_at (``item_index``) or rewind (``steps``): move the leaf to an entry of the
        live path this session knows, checking under the write lock that the path is still
        the one it knows."""
        for _ in range(_RETRIES):
            if self._path is None or self._leaf is _UNKNOWN:
                leaf, steps, _ = self._live_items()
                self._check_strict(leaf)
                self._leaf, self._path = leaf, steps
            steps = self._path if self._path is not None else _Steps()
            if field == "item_index":
                if not -len(steps) <= value < len(steps):
                    raise InvalidInput(f"item_index {value} is out of range: the session has {len(steps)} items")
                index = value % len(steps)
                target, keep = steps.id(index), index + 1
            else:
                if value > len(steps):
                    raise InvalidInput(f"steps={value} but the session has {len(steps)} items")
                target, keep = steps.parent(-value), len(steps) - value
            try:
                entry = self._store._rewind(self.session_id, target, self._leaf, "rewind")
            except Conflict:
                if self.strict:
                    raise
                self._path = None  # another writer moved the leaf: read the path again
                continue
            steps.cut(keep)
            self._path = steps
            self._leaf = target
            return entry
        raise Conflict(f"thread {self.session_id!r} kept moving: gave up after {_RETRIES} tries")

    def _move_to(self, eid: int, reason: str) -> Entry:
        entry = self._store._rewind(self.session_id, eid, self._expected(), reason)
        assert entry is not None
        path = self._path
        index = None if path is None else path.find(eid)
        if index is not None:
            path.cut(index + 1)
        else:
            self._path = None
        self._leaf = eid
        return entry

    def _switch(self, eid: int) -> Entry:
        if self._store.children(eid):
            raise InvalidInput(
                f"leaf_id {eid} is not a branch tip: switch to one of branches(), or fork({eid}) "
                "to continue from inside a branch"
            )
        return self._move_to(eid, "switch")

    def _redo(self) -> Entry | None:
        try:
            step = self._store.redo(self.session_id)
        except NotFound:
            return None
        if step is None:
            return None
        if self._path is not None and self._leaf is not _UNKNOWN and step.parent_id == self._leaf:
            if not step.hidden:
                self._path.extend([step])
        else:
            self._path = None
        self._leaf = step.id
        return step

    def _branches(self) -> list[Branch]:
        try:
            leaves = self._store.leaves(self.session_id)
            current = self._store.get_thread(self.session_id).current_leaf_id
        except NotFound:
            return []
        return [
            Branch(e.id, e.depth + 1, e.role, preview(e.content), e.id == current, e.created_at) for e in leaves
        ]


class _Steps:
    """The visible entries of a session's live path, root first, as two arrays: their ids and
    their parents' ids (0 for a root)."""

    __slots__ = ("ids", "parents")

    def __init__(self, ids: array.array[int] | None = None, parents: array.array[int] | None = None) -> None:
        self.ids = array.array("q") if ids is None else ids
        self.parents = array.array("q") if parents is None else parents

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> _Steps:
        steps = cls()
        steps.extend(entries)
        return steps

    def __len__(self) -> int:
        return len(self.ids)

    def id(self, index: int) -> int:
        return self.ids[index]

    def parent(self, index: int) -> int | None:
        return self.parents[index] or None

    def extend(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            self.ids.append(entry.id)
            self.parents.append(entry.parent_id or 0)

    def cut(self, keep: int) -> None:
        """Keep the first ``keep`` entries."""
        del self.ids[keep:]
        del self.parents[keep:]

    def find(self, eid: int) -> int | None:
        """The index of entry ``eid``, ``None`` if it is not on the path."""
        try:
            return self.ids.index(eid)
        except ValueError:
            return None


class _Worker:
    """One session's thread for the store's calls: they run one at a time, in the order they
    were submitted, and each result goes back to the event loop that asked for it.

    Not a ``ThreadPoolExecutor``: its futures, locks and conditions cost an idle session about
    a tenth of a millisecond more per call than a bare queue and ``call_soon_threadsafe``, a
    tenth of what a fork costs. A daemon thread: a session never closed does not keep the
    interpreter alive (a call it was running when the process ended is rolled back by SQLite
    as a whole)."""

    _STOP: Any = object()

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((fn, args, loop, future))
        return future

    def stop(self) -> None:
        """Finish the calls submitted so far, then end the thread."""
        self._jobs.put(self._STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is self._STOP:
                return
            fn, args, loop, future = job
            try:
                outcome = (fn(*args), None)
            except BaseException as exc:  # handed to the caller, whatever it is
                outcome = (None, exc)
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:
                pass  # the loop was closed: nobody is waiting any more
            # Drop the result now: held until the next call, a path of thousands of items
            # would be freed on this thread at the start of that call, and slow it down.
            del job, fn, args, loop, future, outcome


def _settle(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if future.cancelled():
        return
    result, exc = outcome
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)


def _where(leaf: Any) -> str:
    return "an empty path" if leaf is None else f"entry {leaf}"
