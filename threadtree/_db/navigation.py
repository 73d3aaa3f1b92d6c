"""Storage functions of finding one's way in big trees: search, labels, branch points, the
switch that comes back to where a branch was left, copies with their lineage, comparisons
and merges. Each takes the caller's open transaction (see ``_db/tree.py``).

Engines differ most here: SQLite searches with FTS5 (``sql/sqlite/queries/search_entries.sql``
turns the phrases into an FTS5 query), PostgreSQL with its own full-text search (a tsvector
column, ``sql/postgres/migrations/0005_search.sql``; its snippets are made in Python, by
``_db/snippet.py``). What they share is the input: a list of words and phrases (:func:`search`
takes them already split, see ``threadtree._validate.search_query``), never query syntax
typed by a user.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from .._sentinel import LEAF, UNCHECKED
from .._validate import Message
from ..errors import InvalidInput, NotFound
from ..navigation import MARK_CLOSE, MARK_OPEN, BranchPoint, Comparison, Label, SearchHit
from ..records import Entry, GcPaused, Thread
from . import snippet as snippets
from . import threads, tree
from .engine import Tx

__all__ = [
    "branch_points",
    "compare",
    "copy_thread",
    "delete_label",
    "forks_of",
    "get_label",
    "labels",
    "merge",
    "search",
    "set_label",
    "switch",
]

# What search_entries.sql marks a match with in a snippet: control characters, which chat text
# next to never holds, turned into MARK_OPEN / MARK_CLOSE here with the offsets kept.
_OPEN, _CLOSE = "\x02", "\x03"


# -- search --


def search(
    tx: Tx, phrases: list[str], tid: str | None, limit: int, include_hidden: bool, *, pending: bool = False
) -> list[SearchHit]:
    """The entries holding every phrase, best first (run in a snapshot).

    ``pending``: the engine's index takes new entries in batches (SQLite, see migrations
    0010 and 0012): those not taken yet are matched from a temporary index of them made here, and the
    two lists merged by rank."""
    if tid is not None:
        tree.leaf(tx, tid)  # NotFound for an unknown thread
    bindings = {
        "phrases": orjson.dumps(phrases).decode(),
        "thread_id": tid,
        "include_hidden": include_hidden,
        "limit": limit,
    }
    rows = tx.all("search_entries", bindings)
    if pending:
        tx.run("search_tail_rows")
        tx.run("search_tail_index")
        tx.run("search_tail_rebuild")
        tail = tx.all("search_tail_entries", bindings)
        if tail:
            rows = sorted(rows + tail, key=lambda row: (row[14], -row[0]))[:limit]
    with GcPaused():
        entries = Entry.from_rows(row[:13] for row in rows)
    # A hit is on the live path when its thread's walk up from the current leaf passes it:
    # one walk a thread, down to the shallowest hit of that thread.
    shallowest: dict[str, int] = {}
    for entry in entries:
        shallowest[entry.thread_id] = min(entry.depth, shallowest.get(entry.thread_id, entry.depth))
    live: set[int] = set()
    for thread_id, depth in shallowest.items():
        live.update(eid for (eid,) in tx.rows("live_path_from", {"thread_id": thread_id, "depth": depth}))
    hits = []
    for entry, row in zip(entries, rows):
        # An engine whose query makes no snippet (PostgreSQL's) gets one made here.
        snippet, marks = _marked(row[13] if row[13] is not None else snippets.make(entry.content, phrases))
        hits.append(SearchHit(entry, snippet, marks, entry.id in live, row[14]))
    return hits


def _marked(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The snippet with its marks made visible, and where each match is. A mark character the
    text itself held (next to never) cannot be told apart: an unpaired one is dropped."""
    out: list[str] = []
    marks: list[tuple[int, int]] = []
    start = None
    for char in raw:
        if char == _OPEN and start is None:
            out.append(MARK_OPEN)
            start = len(out)
        elif char == _CLOSE and start is not None:
            marks.append((start, len(out)))
            out.append(MARK_CLOSE)
            start = None
        elif char not in (_OPEN, _CLOSE):
            out.append(char)
    if start is not None:
        marks.append((start, len(out)))
        out.append(MARK_CLOSE)
    return "".join(out), tuple(marks)


# -- labels --


def set_label(tx: Tx, eid: int, name: str) -> Label:
    tid = tree.place(tx, eid).thread_id
    row = tx.one("label_set", {"thread_id": tid, "name": name, "entry_id": eid, "now": time.time()})
    assert row is not None  # insert ... returning gives the row it wrote
    return Label(*row)


def get_label(tx: Tx, tid: str, name: str) -> Label:
    row = tx.one("label_get", {"thread_id": tid, "name": name})
    if row is None:
        tree.leaf(tx, tid)  # an unknown thread is named first
        raise NotFound(f"thread {tid!r} has no label {name!r}")
    return Label(*row)


def delete_label(tx: Tx, tid: str, name: str) -> None:
    if not tx.run("label_delete", {"thread_id": tid, "name": name}):
        tree.leaf(tx, tid)
        raise NotFound(f"thread {tid!r} has no label {name!r}")


def labels(tx: Tx, tid: str) -> list[Label]:
    tree.leaf(tx, tid)
    return [Label(*row) for row in tx.rows("label_list", {"thread_id": tid})]


# -- branch points and switch --


def branch_points(tx: Tx, tid: str, eid: int | None) -> list[BranchPoint]:
    """The branch points of the path to ``eid`` (``None``: the live path), root first."""
    if eid is None:
        eid = tree.leaf(tx, tid).id
        if eid is None:
            return []
    else:
        owner = tree.place(tx, eid).thread_id
        if owner != tid:
            raise InvalidInput(f"entry_id {eid} belongs to thread {owner!r}, not {tid!r}")
    found = []
    for entry_id, parent_id, siblings in tx.all("branch_points", {"entry_id": eid}):
        ids = tuple(sorted(orjson.loads(siblings)))
        found.append(BranchPoint(entry_id, parent_id, ids.index(entry_id) + 1, len(ids), ids))
    found.reverse()
    return found


def switch(tx: Tx, eid: int, expected: Any = UNCHECKED) -> Entry:
    """Make the branch through ``eid`` live, landing where it was left (see ``switch_target.sql``);
    a branch that is live already stays as it is. Conflict unless ``expected`` is UNCHECKED or
    the current leaf."""
    tid = tree.place(tx, eid).thread_id
    current = tree.leaf(tx, tid).id
    tree.check_expected(tid, current, expected)
    if current is not None and tx.value("is_ancestor", {"entry_id": current, "ancestor_id": eid}):
        return tree.entry(tx, current)
    target = tx.value("switch_target", {"thread_id": tid, "entry_id": eid})
    tree.move_leaf(tx, tid, current, target, "switch")
    return tree.entry(tx, target)


# -- copies --


def copy_thread(tx: Tx, eid: int, start: int | None, title: str | None) -> Thread:
    """A new thread holding the path from ``start`` (``None``: the root) down to ``eid``; its
    current leaf is the copy of ``eid``. ``title``: the new title, ``None`` for the origin's."""
    tid, _, depth = tree.place(tx, eid)
    start_depth = 0
    if start is not None:
        start_tid, _, start_depth = tree.place(tx, start, "start_id")
        if start_tid != tid:
            raise InvalidInput(f"start_id {start} belongs to thread {start_tid!r}, not {tid!r} (entry {eid}'s)")
        if start_depth > depth or not tx.value("is_ancestor", {"entry_id": eid, "ancestor_id": start}):
            raise InvalidInput(f"start_id {start} is not on the path to entry {eid}")
    origin = threads.get(tx, tid)
    new_tid = threads.new_id()
    now = time.time()
    tx.run(
        "insert_copied_thread",
        {
            "thread_id": new_tid,
            "title": origin.title if title is None else title,
            "metadata": orjson.dumps(origin.metadata).decode(),
            "now": now,
            "origin_thread_id": tid,
            "origin_entry_id": eid,
        },
    )
    first = tx.value("next_entry_id")
    bindings = {"entry_id": eid, "start_id": start, "start_depth": start_depth, "first_id": first, "thread_id": new_tid}
    tx.run("copy_path", bindings)
    tree.move_leaf(tx, new_tid, None, first + depth - start_depth, "extend", now)
    return threads.get(tx, new_tid)


def forks_of(tx: Tx, tid: str) -> list[Thread]:
    """The threads copied from ``tid`` (which may have been deleted since), oldest first."""
    found = [Thread.from_row(row) for row in tx.rows("threads_copied_from", {"thread_id": tid})]
    if not found:
        tree.leaf(tx, tid)  # NotFound for a thread that neither exists nor has copies
    return found


# -- compare and merge --


def compare(tx: Tx, a: int, b: int) -> Comparison:
    a_depth, b_depth = tree.place(tx, a, "a_id").depth, tree.place(tx, b, "b_id").depth
    ancestor = tree.common_ancestor(tx, a, b)
    cut = -1 if ancestor is None else ancestor.depth
    a_tail = tree.path_to(tx, a, a_depth - cut) if a_depth > cut else []
    b_tail = tree.path_to(tx, b, b_depth - cut) if b_depth > cut else []
    return Comparison(a, b, ancestor, a_tail, b_tail)


def merge(tx: Tx, leaf_id: int, message: Message, tid: str | None) -> Entry:
    """Append ``message`` under the live leaf of ``tid`` (``None``: the leaf's thread), linked
    to ``leaf_id``, the tip of a branch of that thread or of a copy of it."""
    source_tid = tree.place(tx, leaf_id, "leaf_id").thread_id
    if tid is None:
        tid = source_tid
    current = tree.leaf(tx, tid).id
    if source_tid != tid:
        if tid not in {row[0] for row in tx.rows("thread_lineage", {"thread_id": source_tid})}:
            raise InvalidInput(
                f"leaf_id {leaf_id} belongs to thread {source_tid!r}, which is neither {tid!r} nor a copy of it"
            )
    elif current is not None and tx.value("is_ancestor", {"entry_id": current, "ancestor_id": leaf_id}):
        raise InvalidInput(
            f"leaf_id {leaf_id} is on the live path of thread {tid!r}: a branch cannot be merged into "
            "itself (switch to another branch first, or merge a branch that is not live)"
        )
    return tree.add(tx, tid, LEAF, UNCHECKED, [message], "append", merged_from=leaf_id)[0]
