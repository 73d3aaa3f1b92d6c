"""The records of finding one's way in big trees: search hits, labels, branch points and
comparisons (see :meth:`Store.search`, :meth:`Store.set_label`, :meth:`Store.branch_points`
and :meth:`Store.compare`). Frozen attrs classes, as in :mod:`threadtree.records`, beside
which they sit: values built from database rows, never validated there.
"""

from __future__ import annotations

import attrs

from .records import Entry

__all__ = ["MARK_CLOSE", "MARK_OPEN", "BranchPoint", "Comparison", "Label", "SearchHit"]

MARK_OPEN = "«"
"""What :attr:`SearchHit.snippet` puts before each match."""

MARK_CLOSE = "»"
"""What :attr:`SearchHit.snippet` puts after each match."""


@attrs.frozen
class SearchHit:
    """An entry :meth:`Store.search` found.

    :ivar entry: the entry, on any branch of any thread.
    :ivar snippet: the passage of its text that matches best (about 16 words, ``…`` where it
        is cut), each match between :data:`MARK_OPEN` and :data:`MARK_CLOSE`: ``"grilled
        «sardines» and bifanas"``.
    :ivar marks: where the matches are in ``snippet``: ``(start, end)`` of each one's text,
        marks left out (``snippet[start:end]`` is the matched text), for showing them without
        relying on the marks, which the text itself may hold.
    :ivar on_live_path: whether the entry is on its thread's live path (the current leaf or
        one of its ancestors); ``False``: it lies on a branch that is not live (switch to it
        with :meth:`Store.switch`, read it with :meth:`Store.path_to`).
    :ivar rank: how well it matches, smaller is better (hits come sorted by it): bm25 on
        SQLite, ``ts_rank`` negated on PostgreSQL, so compare ranks of one engine only.
    """

    entry: Entry
    snippet: str
    marks: tuple[tuple[int, int], ...]
    on_live_path: bool
    rank: float


@attrs.frozen
class Label:
    """A name for an entry, unique within its thread (see :meth:`Store.set_label`).

    :ivar thread_id: the thread.
    :ivar name: the name.
    :ivar entry_id: the entry it names.
    :ivar created_at: Unix seconds (UTC) of the latest :meth:`Store.set_label` that set it.
    """

    thread_id: str
    name: str
    entry_id: int
    created_at: float


@attrs.frozen
class BranchPoint:
    """An entry of a path that has siblings: the "2 of 3" of a chat app's ``< 2/3 >`` switcher
    (see :meth:`Store.branch_points`).

    :ivar entry_id: the entry on the path.
    :ivar parent_id: its parent, where the path branches (``None``: the thread has several
        roots, and the siblings are the roots).
    :ivar position: the entry's place among its siblings in id order, from 1.
    :ivar count: how many siblings there are, the entry included (at least 2).
    :ivar sibling_ids: every sibling's id in id order, the entry included; pass one to
        :meth:`Store.switch` to go to that alternative.
    """

    entry_id: int
    parent_id: int | None
    position: int
    count: int
    sibling_ids: tuple[int, ...]


@attrs.frozen
class Comparison:
    """Two entries side by side: where their paths part, and what each has after that (see
    :meth:`Store.compare`).

    :ivar a_id: the first entry.
    :ivar b_id: the second entry.
    :ivar ancestor: their deepest common ancestor (an entry is its own ancestor), ``None``
        when they share none (different roots, or different threads).
    :ivar a: the path below ``ancestor`` down to ``a_id`` (the whole path to it when
        ``ancestor`` is ``None``), root first; empty when ``a_id`` is the ancestor.
    :ivar b: likewise for ``b_id``.
    """

    a_id: int
    b_id: int
    ancestor: Entry | None
    a: list[Entry]
    b: list[Entry]
