"""Reading the tree: entries, paths, messages, children, siblings, subtrees, leaves, the
leaf history and usage.

A read of one statement runs as it is (SQLite runs one statement on one snapshot); a read of
several runs in one read transaction and sees a single snapshot.
"""

from __future__ import annotations

from typing import Any

from .. import _json, _validate
from .._db import tree
from .._db.engine import Tx
from ..errors import InvalidInput, NotFound
from ..records import Entry, LeafMove
from .base import StoreBase

__all__ = ["Reading"]


class Reading(StoreBase):
    """Reading the tree (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    def get_entry(self, entry_id: int) -> Entry:
        """The entry ``entry_id``.

        :raises NotFound: there is no such entry.
        """
        eid = _validate.entry_id(entry_id)
        with self._db.use() as tx:
            return tree.entry(tx, eid)

    def find_entry(self, thread_id: str, source_id: str) -> Entry:
        """The entry of ``thread_id`` whose ``source_id`` is ``source_id``.

        :raises NotFound: there is no such thread, or no such entry in it.
        """
        tid = _validate.thread_id(thread_id)
        sid = _validate.name(source_id, "source_id")
        with self._db.snapshot() as tx:
            return tree.find_entry(tx, tid, sid)

    def path(self, thread_id: str, *, limit: int | None = None, before: int | None = None) -> list[Entry]:
        """The live path: root first, down to the current leaf.

        :param limit: keep only the last ``limit`` entries (still root-first order).
        :param before: page backwards: the path above this entry instead (its ancestors, the
            last ``limit`` of them). Pass the first entry of the page you have to get the one
            before it; ``[]`` once a root is reached. A page costs ``limit``, not the depth.
            It must be an entry of the thread; it is not checked to lie on the live path
            (that check would cost the depth), so paging goes on along the path you started
            on even if the leaf moves meanwhile.
        :raises NotFound: there is no such thread, or no entry ``before``.
        :raises InvalidInput: ``limit`` below 1; ``before`` is in another thread.

        >>> thread = store.create_thread()
        >>> _ = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])
        >>> page = store.path(thread.id, limit=2)
        >>> [e.content for e in page], [e.content for e in store.path(thread.id, limit=2, before=page[0].id)]
        (['3', '4'], ['1', '2'])
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        above = _validate.optional_entry_id(before, "before")
        with self._db.snapshot() as tx:
            leaf = tree.leaf(tx, tid).id
            if above is not None:
                return _page_before(tx, tid, above, n)
            return [] if leaf is None else tree.path_to(tx, leaf, n)

    def path_to(self, entry_id: int, *, limit: int | None = None, before: int | None = None) -> list[Entry]:
        """The path from a root down to ``entry_id``, root first.

        :param limit: keep only the last ``limit`` entries.
        :param before: page backwards, as in :meth:`path`: the entries above ``before``, an
            entry of the same thread on this path (the first of the page you have).
        :raises NotFound: there is no such entry.
        :raises InvalidInput: ``before`` is in another thread, or deeper than ``entry_id``.
        """
        eid = _validate.entry_id(entry_id)
        n = _validate.limit(limit)
        above = _validate.optional_entry_id(before, "before")
        if above is not None:
            with self._db.snapshot() as tx:
                place = tree.place(tx, eid)
                if tree.place(tx, above, "before").depth > place.depth:
                    raise InvalidInput(f"before {above} is deeper than entry {eid}: it is not on the path to it")
                return _page_before(tx, place.thread_id, above, n)
        with self._db.use() as tx:
            path = tree.path_to(tx, eid, n)
        if not path:
            raise NotFound(f"entry {eid} does not exist")
        return path

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
        with self._db.snapshot() as tx:
            return tree.entries_of(tx, query, eid)

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
        >>> [e.content for e in store.leaves(thread.id)]
        ['[progress]']
        >>> [e.content for e in store.leaves(thread.id, include_hidden=False)]
        ['Hi']
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
        with self._db.snapshot() as tx:
            return tree.entries_in(tx, query, tid)

    def common_ancestor(self, a_id: int, b_id: int) -> Entry | None:
        """The deepest entry that is an ancestor of both (an entry is its own ancestor).

        ``None`` when they share none: different roots, or different threads.

        :raises NotFound: either entry does not exist.
        """
        a = _validate.entry_id(a_id, "a_id")
        b = _validate.entry_id(b_id, "b_id")
        with self._db.snapshot() as tx:
            return tree.common_ancestor(tx, a, b)

    def leaf_history(self, thread_id: str, *, limit: int | None = 50) -> list[LeafMove]:
        """The thread's leaf moves, newest first: every append, fork, rewind, redo... that
        moved its current leaf, with the leaf before and after.

        :param limit: at most this many (``None``: all).
        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        with self._db.snapshot() as tx:
            return tree.leaf_history(tx, tid, n)

    def usage(self, thread_id: str, *, live_path_only: bool = True) -> dict[str, Any]:
        """The ``usage`` of the thread's entries added up, key by key (nested dicts too):
        ``{"input_tokens": 2412, "output_tokens": 390}``; ``{}`` when no entry has any.

        :param live_path_only: only the entries of the live path (what the conversation as it
            stands cost); ``False``: every entry of every branch (what the thread cost).
        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        only_live = _validate.flag(live_path_only, "live_path_only")
        total: dict[str, Any] = {}
        with self._db.snapshot() as tx:
            for (text,) in tree.usage_rows(tx, tid, only_live):
                _add_usage(total, _json.loads(text))
        return total


def _page_before(tx: Tx, tid: str, before: int, limit: int | None) -> list[Entry]:
    """The ancestors of ``before`` (the last ``limit`` of them), which must be in ``tid``."""
    owner, parent, _ = tree.place(tx, before, "before")
    if owner != tid:
        raise InvalidInput(f"before {before} belongs to thread {owner!r}, not {tid!r}")
    return [] if parent is None else tree.path_to(tx, parent, limit)


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
