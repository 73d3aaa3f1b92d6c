"""The session: :class:`ThreadTreeSession`, the Agents SDK's ``Session`` protocol and the
branching calls, each run on the session's worker thread (what they do there is in
:mod:`.work`)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from agents.memory.session_settings import SessionSettings

from .. import _validate
from .._sentinel import UNCHECKED
from ..errors import InvalidInput
from ..records import Entry
from ..store import Store, database_of
from ..store import open as _open
from .items import Branch, item_message
from .work import UNKNOWN, SessionWork, Steps
from .worker import Worker

__all__ = ["ThreadTreeSession"]

_T = TypeVar("_T")


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


class ThreadTreeSession(SessionWork):
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
        self,
        thread_id: str,
        store: Store | str | os.PathLike[str] | None = None,
        *,
        session_settings: SessionSettings | Mapping[str, Any] | None = None,
        strict: bool = False,
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
        self._db = database_of(self._store)
        # What this session last saw of the thread (see SessionWork): nothing yet.
        self._leaf: Any = UNKNOWN
        self._path: Steps | None = None
        self._worker: Worker | None = None
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
                self._worker = Worker(f"threadtree-session-{self.session_id}")
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

    async def add_items(self, items: list[Any], *, expected_leaf_id: int | None = UNCHECKED) -> None:
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
        messages = [item_message(index, item) for index, item in enumerate(items)]
        if expected_leaf_id is not UNCHECKED:
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
        entry = await self._run(self._move_on_path, "item_index", item_index)
        assert entry is not None  # an item's entry: the path cannot have emptied
        return entry

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
