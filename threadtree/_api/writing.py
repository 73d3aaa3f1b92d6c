"""Writing the tree: append, extend, fork, rewind, checkout, redo, delete_branch.

Every write is one transaction on the floor that reads what it depends on (the current leaf
above all) under the write lock: two processes appending to one thread always make a chain,
never a fork nobody asked for. Input is checked before the transaction opens, so a rejected
call has written nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import _validate
from .._db import tree
from .._sentinel import LEAF, UNCHECKED
from ..records import Entry
from .base import StoreBase, expected_leaf

__all__ = ["Writing"]


class Writing(StoreBase):
    """Writing the tree (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    def append(
        self,
        thread_id: str,
        role: str,
        content: str,
        *,
        item: Any = None,
        parent_id: int | None = LEAF,
        expected_leaf_id: int | None = UNCHECKED,
        source_id: str | None = None,
        hidden: bool = False,
        usage: Mapping[str, Any] | None = None,
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
        parent = parent_id if parent_id is LEAF else _validate.optional_entry_id(parent_id, "parent_id")
        expected = expected_leaf(expected_leaf_id)
        with self._db.write() as tx:
            return tree.add(
                tx, tid, parent, expected, [message], "append", moves_on_entries=self._db.features.moves_on_entries
            )[0]

    def extend(
        self,
        thread_id: str,
        messages: Iterable[Mapping[str, Any]],
        *,
        parent_id: int | None = LEAF,
        expected_leaf_id: int | None = UNCHECKED,
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
        parent = parent_id if parent_id is LEAF else _validate.optional_entry_id(parent_id, "parent_id")
        expected = expected_leaf(expected_leaf_id)
        with self._db.write() as tx:
            return tree.add(tx, tid, parent, expected, checked, "extend")

    def fork(
        self,
        entry_id: int,
        role: str,
        content: str,
        *,
        item: Any = None,
        expected_leaf_id: int | None = UNCHECKED,
        source_id: str | None = None,
        hidden: bool = False,
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
        expected = expected_leaf(expected_leaf_id)
        with self._db.write() as tx:
            return tree.fork(tx, eid, expected, message, moves_on_entries=self._db.features.moves_on_entries)

    def rewind(self, thread_id: str, entry_id: int | None, *, expected_leaf_id: int | None = UNCHECKED) -> Entry | None:
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

    def checkout(self, entry_id: int, *, expected_leaf_id: int | None = UNCHECKED) -> Entry:
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
        with self._db.use() as tx:
            tid = tree.place(tx, eid).thread_id  # entries never move, so this cannot go stale
        entry = self._rewind(tid, eid, expected_leaf_id, "checkout")
        assert entry is not None
        return entry

    def _rewind(self, thread_id: str, entry_id: int | None, expected_leaf_id: Any, reason: str) -> Entry | None:
        """:meth:`rewind`, recorded with ``reason`` (``checkout`` for :meth:`checkout`)."""
        tid = _validate.thread_id(thread_id)
        target = _validate.optional_entry_id(entry_id, "entry_id")
        expected = expected_leaf(expected_leaf_id)
        with self._db.write() as tx:
            return tree.move_leaf_checked(tx, tid, target, expected, reason)

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
        with self._db.write() as tx:
            return tree.redo(tx, tid)

    def delete_branch(self, entry_id: int) -> int:
        """Delete ``entry_id`` and all its descendants; return how many entries went.

        If the current leaf was among them, it moves to the entry's parent (for a root: the
        live path becomes empty).

        :raises NotFound: the entry does not exist.
        """
        eid = _validate.entry_id(entry_id)
        with self._db.write() as tx:
            return tree.delete_branch(tx, eid)
