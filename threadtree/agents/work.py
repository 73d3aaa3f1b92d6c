"""What a session's calls do, on its worker thread: read and move the thread's live path,
and keep what the session last saw of it.

The reads and writes a session makes that the Store has no public call for (the live path's
items without records; a leaf move recorded as ``pop``, ``clear``, ``switch``) go to the storage
floor through its package-internal API: :func:`threadtree.store.database_of` and
:mod:`threadtree._db.tree`. The rest are the Store's public calls.
"""

from __future__ import annotations

import array
from collections.abc import Iterable
from typing import Any

from .._db import Database, tree
from .._sentinel import UNCHECKED
from ..errors import Conflict, InvalidInput, NotFound
from ..graph import preview
from ..records import Entry
from ..store import Store
from .items import Branch, entry_item

__all__ = ["UNKNOWN", "SessionWork", "Steps"]


class _Unknown:
    def __repr__(self) -> str:
        return "<not read yet>"


UNKNOWN: Any = _Unknown()
"""The leaf of a thread the session has not read or written yet."""

_RETRIES = 20  # non-strict read-then-write steps retried after another writer moved the leaf


class SessionWork:
    """The synchronous half of :class:`~threadtree.agents.ThreadTreeSession` (its base): each
    async method runs one of these on the session's worker thread.

    :ivar _leaf: the thread's current leaf as this session last saw it (its latest read or
        write), or :data:`UNKNOWN`.
    :ivar _path: the visible entries of the live path ending at ``_leaf``, when known, so that
        fork_at and rewind need no read of the whole path. Every write that relies on them
        checks the leaf under the write lock (compare-and-set), so a stale view can only cost
        a retry.
    """

    session_id: str
    strict: bool
    _store: Store
    _db: Database
    _title: str | None
    _leaf: Any
    _path: Steps | None

    def _expected(self) -> Any:
        return self._leaf if self.strict and self._leaf is not UNKNOWN else UNCHECKED

    def _remember(self, leaf: int | None, path: list[Entry] | None) -> None:
        """Keep the (id, parent id) of the visible entries of the live path."""
        self._leaf = leaf
        self._path = None if path is None else Steps.of(e for e in path if not e.hidden)

    def _read_path(self, limit: int | None = None) -> list[Entry]:
        """The live path (the last ``limit`` entries); [] for a thread not created yet."""
        try:
            return self._store.path(self.session_id, limit=limit)
        except NotFound:
            return []

    def _check_strict(self, leaf: int | None) -> None:
        if self.strict and self._leaf is not UNKNOWN and leaf != self._leaf:
            raise Conflict(
                f"thread {self.session_id!r} moved to {_where(leaf)} since this session saw it at {_where(self._leaf)}"
            )

    def _live_items(self, limit: int | None = None) -> tuple[int | None, Steps, list[Any]]:
        """(leaf, the visible entries, their items) of the live path; nothing for a thread
        not created yet."""
        try:
            with self._db.snapshot() as tx:
                leaf, ids, parents, items = tree.live_items(tx, self.session_id, limit)
        except NotFound:
            return None, Steps(), []
        return leaf, Steps(ids, parents), items

    def _move(self, target: int | None, expected: Any, reason: str) -> Entry | None:
        """Move the leaf to ``target`` (``None``: an empty path), compare-and-set against
        ``expected`` unless it is UNCHECKED, recorded in the leaf history as ``reason``: what
        :meth:`Store.rewind` does, with the session's own reasons. The ids were checked where
        they came in (``fork``, ``switch``) or were read from the thread."""
        with self._db.write() as tx:
            return tree.move_leaf_checked(tx, self.session_id, target, expected, reason)

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
        if expected is UNCHECKED:
            expected = self._expected()
        options = {} if expected is UNCHECKED else {"expected_leaf_id": expected}
        try:
            try:
                added = self._store.extend(self.session_id, messages, **options)
            except NotFound:
                # The thread is missing, or another session has just created it (then the
                # extend again finds it); a NotFound of anything else is raised again by it.
                if not self._store_has_thread():
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
                self._move(entry.parent_id, leaf, "pop")
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
            return entry_item(entry)
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
                self._move(None, self._expected(), "clear")
            except NotFound:
                pass  # nothing to clear in a thread that does not exist yet
        self._remember(None, [])

    def _move_on_path(self, field: str, value: int) -> Entry | None:
        """fork_at (``item_index``) or rewind (``steps``): move the leaf to an entry of the
        live path this session knows, checking under the write lock that the path is still
        the one it knows."""
        for _ in range(_RETRIES):
            whole = self._path is not None and self._leaf is not UNKNOWN
            steps = self._path if whole else self._read_for_move(field, value)
            if steps is None:
                whole, steps = True, self._path or Steps()
            target: int | None  # None: the path empties (rewinding past its first item)
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
                entry = self._move(target, self._leaf, "rewind")
            except Conflict:
                if self.strict:
                    raise
                self._path = None  # another writer moved the leaf: read the path again
                continue
            if whole:
                steps.cut(keep)
            self._path = steps if whole else None  # a tail alone cannot count items from the root
            self._leaf = target
            return entry
        raise Conflict(f"thread {self.session_id!r} kept moving: gave up after {_RETRIES} tries")

    def _read_for_move(self, field: str, value: int) -> Steps | None:
        """For a move the session has no view of the path for: the last items of the live
        path when the move counts from its end (``rewind(steps)``, a negative ``item_index``)
        and they are enough, so that the move costs the same at any depth; else ``None``,
        with the whole path read into ``_path``."""
        need = value if field == "steps" else -value
        if need > 0:
            leaf, steps, _ = self._live_items(need)
            self._check_strict(leaf)
            self._leaf = leaf
            if len(steps) >= need:
                return steps
        leaf, self._path, _ = self._live_items()
        self._check_strict(leaf)
        self._leaf = leaf
        return None

    def _move_to(self, eid: int, reason: str) -> Entry:
        entry = self._move(eid, self._expected(), reason)
        assert entry is not None
        path = self._path
        index = None if path is None else path.find(eid)
        if path is not None and index is not None:
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
        if self._path is not None and self._leaf is not UNKNOWN and step.parent_id == self._leaf:
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
        return [Branch(e.id, e.depth + 1, e.role, preview(e.content), e.id == current, e.created_at) for e in leaves]


class Steps:
    """The visible entries of a session's live path, root first, as two arrays: their ids and
    their parents' ids (0 for a root)."""

    __slots__ = ("ids", "parents")

    def __init__(self, ids: array.array[int] | None = None, parents: array.array[int] | None = None) -> None:
        self.ids = array.array("q") if ids is None else ids
        self.parents = array.array("q") if parents is None else parents

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Steps:
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


def _where(leaf: Any) -> str:
    return "an empty path" if leaf is None else f"entry {leaf}"
