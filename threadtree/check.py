"""Integrity checks: does a database file hold healthy trees?

The checks trust nothing the tree queries rely on: each thread is rebuilt from raw rows
(id, parent, depth) as a networkx graph and examined with networkx (a thread must be a
*branching*: at most one parent per entry and no cycle). They find what SQLite cannot hold
by itself once its constraints or triggers are switched off, or a file was damaged:

============================  =============================================================
kind                          meaning
============================  =============================================================
``integrity``                 a line of ``PRAGMA integrity_check`` (damaged pages, indexes)
``foreign-key``               a row of ``PRAGMA foreign_key_check``
``orphan-entry``              an entry of a thread that does not exist
``missing-parent``            an entry's parent does not exist
``cross-thread-parent``       an entry's parent is in another thread
``parent-not-older``          an entry's parent has a larger id (the tree walks rely on ids
                              growing downwards)
``cycle``                     entries whose parents lead round in a circle
``wrong-depth``               a depth that is not the distance from the root
``missing-leaf``              a thread's current leaf does not exist
``cross-thread-leaf``         a thread's current leaf is an entry of another thread
``leaves-table``              the leaves table disagrees with the entries
============================  =============================================================

The file-wide PRAGMA checks and the search for orphans run when the whole file is checked;
a check of one thread examines that thread's tree. Time and memory are linear in the number
of entries, one thread at a time.
"""

from __future__ import annotations

from collections import deque

import apsw
import networkx as nx

from . import _sql
from .records import Problem

__all__ = ["KINDS", "check"]

KINDS = (
    "integrity", "foreign-key", "orphan-entry", "missing-parent", "cross-thread-parent",
    "parent-not-older", "cycle", "wrong-depth", "missing-leaf", "cross-thread-leaf",
    "leaves-table",
)

q = _sql.query


def check(conn: apsw.Connection, thread_id: str | None, current_leaf_id: int | None = None) -> list[Problem]:
    """Every problem found, in a stable order; ``[]`` for a healthy file (or thread).

    With ``thread_id``, only that thread (whose current leaf is ``current_leaf_id``).
    Runs inside the caller's read transaction, so it sees one snapshot.
    """
    if thread_id is not None:
        return _thread(conn, thread_id, current_leaf_id)
    problems = []
    try:
        problems.extend(_pragmas(conn))
    except apsw.CorruptError as exc:  # damage bad enough that the check itself cannot finish
        problems.append(Problem(None, None, "integrity", f"PRAGMA integrity_check could not finish: {exc}"))
    try:
        for tid, leaf in conn.execute(q("all_threads")).fetchall():
            problems.extend(_thread(conn, tid, leaf))
        problems.extend(_orphans(conn))
    except apsw.CorruptError as exc:
        problems.append(Problem(None, None, "integrity", f"reading the trees stopped at damaged data: {exc}"))
    return problems


def _pragmas(conn: apsw.Connection) -> list[Problem]:
    problems = [
        Problem(None, None, "integrity", line)
        for (line,) in conn.execute("pragma integrity_check(100)")
        if line != "ok"
    ]
    for table, rowid, parent, _ in conn.execute("pragma foreign_key_check"):
        tid, eid = None, None
        if table == "entries":
            eid = rowid
            place = conn.execute(q("entry_place"), {"entry_id": rowid}).get
            tid = None if place is None else place[0]
        elif table == "threads":
            tid = conn.execute(q("thread_of_rowid"), {"rowid": rowid}).get
        problems.append(
            Problem(tid, eid, "foreign-key", f"a row of {table} (rowid {rowid}) points at a missing row of {parent}")
        )
    return problems


def _orphans(conn: apsw.Connection) -> list[Problem]:
    problems = [
        Problem(tid, eid, "orphan-entry", f"entry {eid} belongs to thread {tid!r}, which does not exist")
        for eid, tid in conn.execute(q("orphan_entries"))
    ]
    problems.extend(
        Problem(tid, eid, "leaves-table", f"the leaves table lists entry {eid} of thread {tid!r}, which does not exist")
        for tid, eid in conn.execute(q("orphan_leaves"))
    )
    return problems


def _thread(conn: apsw.Connection, tid: str, leaf: int | None) -> list[Problem]:
    rows = conn.execute(q("thread_structure"), {"thread_id": tid}).fetchall()
    depth_of = {eid: depth for eid, _, depth in rows}
    problems: list[Problem] = []

    def found(eid: int | None, kind: str, message: str) -> None:
        problems.append(Problem(tid, eid, kind, message))

    graph = nx.DiGraph()
    graph.add_nodes_from(depth_of)
    detached = set()  # entries whose parent is missing or foreign: roots of what is left
    for eid, parent, _ in rows:
        if parent is None:
            continue
        if parent in depth_of:
            graph.add_edge(parent, eid)
            continue
        detached.add(eid)
        place = conn.execute(q("entry_place"), {"entry_id": parent}).get
        if place is None:
            found(eid, "missing-parent", f"entry {eid} has parent {parent}, which does not exist")
        else:
            found(eid, "cross-thread-parent", f"entry {eid} has parent {parent}, an entry of thread {place[0]!r}")

    on_cycle: set[int] = set()
    if graph and not nx.is_branching(graph):  # one parent each, so only a cycle can do this
        cycles = [
            sorted(c) for c in nx.strongly_connected_components(graph)
            if len(c) > 1 or graph.has_edge(next(iter(c)), next(iter(c)))
        ]
        for cycle in sorted(cycles):
            on_cycle.update(cycle)
            below = set().union(*(nx.descendants(graph, n) for n in cycle)) - set(cycle)
            ring = " -> ".join(str(n) for n in _ring(graph, cycle[0]))
            hanging = f"; {len(below)} more entries hang below it" if below else ""
            found(cycle[0], "cycle", f"parents run in a circle: {ring}{hanging}")

    for parent, eid in graph.edges:
        if parent >= eid and not (parent in on_cycle and eid in on_cycle):
            found(eid, "parent-not-older", f"entry {eid} has parent {parent}, which is not older (a larger id)")

    # True depths, walking down from the roots (an entry with a broken parent counts as a
    # root at its stored depth, so only the entry that is wrong gets reported).
    expected = {eid: (depth_of[eid] if eid in detached else 0) for eid, deg in graph.in_degree() if deg == 0}
    todo = deque(expected)
    while todo:
        node = todo.popleft()
        for child in graph.successors(node):
            if child not in expected:
                expected[child] = expected[node] + 1
                todo.append(child)
    for eid, _, depth in rows:
        if eid in expected and depth != expected[eid]:
            found(eid, "wrong-depth", f"entry {eid} has depth {depth}, but it is {expected[eid]} below its root")

    if leaf is not None and leaf not in depth_of:
        place = conn.execute(q("entry_place"), {"entry_id": leaf}).get
        if place is None:
            found(leaf, "missing-leaf", f"the current leaf {leaf} does not exist")
        else:
            found(leaf, "cross-thread-leaf", f"the current leaf {leaf} is an entry of thread {place[0]!r}")

    tips = set(depth_of) - {parent for _, parent, _ in rows}
    kept = {eid for (eid,) in conn.execute(q("kept_leaves"), {"thread_id": tid})}
    for eid in sorted(tips - kept):
        found(eid, "leaves-table", f"entry {eid} has no child but the leaves table does not list it")
    for eid in sorted(kept - tips):
        why = "has children" if eid in depth_of else "is not an entry of this thread"
        found(eid, "leaves-table", f"the leaves table lists entry {eid}, which {why}")
    return problems


def _ring(graph: nx.DiGraph, start: int) -> list[int]:
    """The cycle through ``start`` in parent -> child order, back to ``start``. Every entry
    has one parent at most, so walking up the parents goes round the cycle."""
    ring, node = [start], next(iter(graph.predecessors(start)))
    while node != start:
        ring.append(node)
        node = next(iter(graph.predecessors(node)))
    ring.append(start)
    return ring[::-1]
