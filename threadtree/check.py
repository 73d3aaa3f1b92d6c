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
``search-index``              the full-text index of :meth:`Store.search` disagrees with the
                              entries: an entry it does not hold, or a row for an entry that
                              is gone (the entries were changed with its triggers dropped);
                              on PostgreSQL, an entry whose stored words are not what its
                              text reads as now
``bad-value``                 a value threadtree never writes: text that is not UTF-8, a
                              blob where text belongs, an item or metadata that is not JSON,
                              a content_path that does not lead to the place cut out for
                              the text, usage that is not a JSON object,
                              an empty role or id (what the schema's CHECK constraints say,
                              tested here directly: ``PRAGMA integrity_check`` skips them on
                              a read-only connection)
============================  =============================================================

The file-wide PRAGMA checks and the search for orphans run when the whole file is checked;
a check of one thread examines that thread's tree. Time and memory are linear in the number
of entries, one thread at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import orjson

from . import _json as _json_module
from . import _lazy
from ._db import checks
from ._db.engine import Tx
from .records import Problem

if TYPE_CHECKING:
    import networkx as nx
else:
    nx = _lazy.module("networkx")  # imported at first use: `import threadtree` stays fast

__all__ = ["KINDS", "check"]

KINDS = (
    "integrity",
    "foreign-key",
    "orphan-entry",
    "missing-parent",
    "cross-thread-parent",
    "parent-not-older",
    "cycle",
    "wrong-depth",
    "missing-leaf",
    "cross-thread-leaf",
    "leaves-table",
    "bad-value",
    "search-index",
)


def check(
    tx: Tx,
    damage: tuple[type[BaseException], ...],
    thread_id: str | None,
    current_leaf_id: int | None = None,
) -> list[Problem]:
    """Every problem found, in a stable order; ``[]`` for a healthy file (or thread).

    With ``thread_id``, only that thread (whose current leaf is ``current_leaf_id``).
    Runs inside the caller's read transaction, so it sees one snapshot. ``damage``: the
    errors the engine raises for a damaged file (which the check reports, then stops).
    """
    if thread_id is not None:
        return _values(tx, [thread_id]) + _thread(tx, thread_id, current_leaf_id)
    problems = []
    try:
        problems.extend(_engine_checks(tx))
    except damage as exc:  # damage bad enough that the check itself cannot finish
        problems.append(Problem(None, None, "integrity", f"PRAGMA integrity_check could not finish: {exc}"))
    stopped: tuple[type[BaseException], ...] = (*damage, UnicodeDecodeError)
    try:
        ids = [raw.decode("utf-8", "replace") for raw, *_ in checks.thread_values(tx)]
        problems.extend(_values(tx, None, ids))
        for tid, leaf in checks.all_threads(tx):
            problems.extend(_thread(tx, tid, leaf))
        problems.extend(_orphans(tx))
    except stopped as exc:
        problems.append(Problem(None, None, "integrity", f"reading the trees stopped at damaged data: {exc}"))
    return problems


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(kind: str, raw: bytes | None, *, empty: bool = True, null: bool = False) -> str | None:
    """Why a stored value is not the text it should be, or None."""
    if kind == "null":
        return None if null else "is NULL"
    if kind != "text":
        return f"is {'an' if kind == 'integer' else 'a'} {kind}, not text"
    if raw is None or not _utf8(raw):  # typeof() said text, so raw is bytes
        return "is not UTF-8 text"
    if not empty and not raw:
        return "is empty"
    return None


def _json(kind: str, raw: bytes | None, *, null: bool, object_only: bool = False) -> str | None:
    why = _text(kind, raw, null=null)
    if why is not None or kind == "null":
        return why
    assert raw is not None  # _text found text there
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "is not JSON"
    if object_only and not isinstance(value, dict):
        return "is not a JSON object"
    return None


def _cut_text(path: bytes, item: bytes, content: bytes) -> str | None:
    """Why an item's text cut out at ``path`` cannot be put back, or None."""
    try:
        _json_module.load_item(item, path.decode(), content.decode())
    except _json_module.DamagedText as exc:
        return str(exc).removeprefix(f"content_path {path.decode()!r} ")
    return None


_NUMBER = ("integer", "real")

# What a row of the search index that matches no entry means (``_db.checks.search_index``).
_STRAY = {
    "gone": "the search index holds entry {eid}, which does not exist",
    "twice": "entry {eid} is in the search index and pending for it too: its next batch would count its words twice",
}


def _values(tx: Tx, thread_ids: list[str] | None, all_ids: list[str] | None = None) -> list[Problem]:
    """Values of the wrong type or encoding (kind ``bad-value``), for the given threads (None:
    every thread, whose ids ``all_ids`` lists). Reads raw bytes: nothing here can fail to decode."""
    problems: list[Problem] = []
    wanted = None if thread_ids is None else set(thread_ids)
    for row in checks.thread_values(tx):
        (
            raw_id,
            id_kind,
            title_kind,
            title,
            meta_kind,
            meta,
            created,
            updated,
            archived,
            leaf,
            fmt_kind,
            fmt,
            sid_kind,
            sid,
        ) = row
        tid = raw_id.decode("utf-8", "replace")
        if wanted is not None and tid not in wanted:
            continue
        reasons = {
            "id": _text(id_kind, raw_id, empty=False),
            "title": _text(title_kind, title, null=True),
            "metadata": _json(meta_kind, meta, null=False, object_only=True),
            "created_at": None if created in _NUMBER else f"is a {created}, not a number",
            "updated_at": None if updated in _NUMBER else f"is a {updated}, not a number",
            "archived_at": None if archived in (*_NUMBER, "null") else f"is a {archived}, not a number",
            "current_leaf_id": None if leaf in ("integer", "null") else f"is a {leaf}, not an entry id",
            "source_format": _text(fmt_kind, fmt, empty=False, null=True),
            "source_id": _text(sid_kind, sid, empty=False, null=True),
        }
        problems.extend(
            Problem(tid, None, "bad-value", f"thread {tid!r}: {field} {why}") for field, why in reasons.items() if why
        )
    for tid in thread_ids if thread_ids is not None else all_ids or []:
        for row in checks.entry_values(tx, tid):
            (
                eid,
                parent,
                role_kind,
                role,
                content_kind,
                content,
                item_kind,
                item,
                sid_kind,
                sid,
                created,
                depth,
                hidden_kind,
                hidden,
                path_kind,
                path,
                usage_kind,
                usage,
            ) = row
            reasons = {
                "parent_entry_id": None if parent in ("integer", "null") else f"is a {parent}, not an entry id",
                "role": _text(role_kind, role, empty=False),
                "content": _text(content_kind, content),
                "item": _json(item_kind, item, null=True),
                "source_id": _text(sid_kind, sid, empty=False, null=True),
                "created_at": None if created in _NUMBER else f"is a {created}, not a number",
                "depth": None if depth == "integer" else f"is a {depth}, not an integer",
                "hidden": None if hidden_kind == "integer" and hidden in (0, 1) else "is not 0 or 1",
                "usage": _json(usage_kind, usage, null=True, object_only=True),
            }
            reasons["content_path"] = _text(path_kind, path, null=True) or (
                None if path_kind == "null" or reasons["item"] or reasons["content"] else _cut_text(path, item, content)
            )
            problems.extend(
                Problem(tid, eid, "bad-value", f"entry {eid}: {field} {why}") for field, why in reasons.items() if why
            )
    return problems


def _engine_checks(tx: Tx) -> list[Problem]:
    # The CHECK constraints of threads and entries are tested by _values (kind bad-value) on
    # every connection; integrity_check tests them only on a writable one.
    problems = [
        Problem(None, None, "integrity", line)
        for line in checks.integrity_lines(tx)
        if line != "ok"
        and not line.startswith(("CHECK constraint failed in entries", "CHECK constraint failed in threads"))
    ]
    for table, rowid, parent, _ in checks.foreign_key_rows(tx):
        tid, eid = None, None
        if table == "entries":
            eid = rowid
            tid = checks.entry_thread(tx, rowid)
        elif table == "threads":
            tid = checks.thread_of_rowid(tx, rowid)
        problems.append(
            Problem(tid, eid, "foreign-key", f"a row of {table} (rowid {rowid}) points at a missing row of {parent}")
        )
    missing, extra = checks.search_index(tx)
    problems.extend(
        Problem(tid, eid, "search-index", f"entry {eid} is not in the search index: search() cannot find it")
        for eid, tid in missing
    )
    problems.extend(Problem(None, eid, "search-index", _STRAY[what].format(eid=eid)) for eid, what in extra)
    return problems


def _orphans(tx: Tx) -> list[Problem]:
    problems = [
        Problem(tid, eid, "orphan-entry", f"entry {eid} belongs to thread {tid!r}, which does not exist")
        for eid, tid in checks.orphan_entries(tx)
    ]
    problems.extend(
        Problem(tid, eid, "leaves-table", f"the leaves table lists entry {eid} of thread {tid!r}, which does not exist")
        for tid, eid in checks.orphan_leaves(tx)
    )
    return problems


def _thread(tx: Tx, tid: str, leaf: int | None) -> list[Problem]:
    rows = checks.structure(tx, tid)
    depth_of = {eid: depth for eid, _, depth in rows}
    problems: list[Problem] = []

    def found(eid: int | None, kind: str, message: str) -> None:
        problems.append(Problem(tid, eid, kind, message))

    edges = []
    detached = set()  # entries whose parent is missing or foreign: roots of what is left
    for eid, parent, _ in rows:
        if parent is None:
            continue
        if parent in depth_of:
            edges.append((parent, eid))
            continue
        detached.add(eid)
        owner = checks.entry_thread(tx, parent)
        if owner is None:
            found(eid, "missing-parent", f"entry {eid} has parent {parent}, which does not exist")
        else:
            found(eid, "cross-thread-parent", f"entry {eid} has parent {parent}, an entry of thread {owner!r}")

    if all(parent < eid for parent, eid in edges):
        # Every parent older (what the schema holds): no cycle, and the rows, in id order,
        # reach each parent before its children, so true depths come in one pass.
        expected: dict[int, int] = {}
        for eid, parent, depth in rows:
            expected[eid] = depth if eid in detached else 0 if parent is None else expected[parent] + 1
    else:
        expected = _tangled(edges, depth_of, detached, found)
    for eid, _, depth in rows:
        if eid in expected and depth != expected[eid]:
            found(eid, "wrong-depth", f"entry {eid} has depth {depth}, but it is {expected[eid]} below its root")

    if leaf is not None and leaf not in depth_of:
        owner = checks.entry_thread(tx, leaf)
        if owner is None:
            found(leaf, "missing-leaf", f"the current leaf {leaf} does not exist")
        else:
            found(leaf, "cross-thread-leaf", f"the current leaf {leaf} is an entry of thread {owner!r}")

    tips = set(depth_of) - {parent for _, parent, _ in rows}
    kept = checks.kept_leaves(tx, tid)
    for eid in sorted(tips - kept):
        found(eid, "leaves-table", f"entry {eid} has no child but the leaves table does not list it")
    for eid in sorted(kept - tips):
        why = "has children" if eid in depth_of else "is not an entry of this thread"
        found(eid, "leaves-table", f"the leaves table lists entry {eid}, which {why}")
    return problems


def _tangled(
    edges: list[tuple[int, int]],
    depth_of: dict[int, int],
    detached: set[int],
    found: Callable[[int | None, str, str], None],
) -> dict[int, int]:
    """The checks of a thread where some parent is not older than its child (a damaged file):
    cycles and parents that are not older are reported through ``found``; returns the true
    depths of the entries a root reaches (an entry with a broken parent counts as a root at
    its stored depth, so only the entry that is wrong gets reported)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(depth_of)
    graph.add_edges_from(edges)
    on_cycle: set[int] = set()
    if not nx.is_branching(graph):  # one parent each, so only a cycle can do this
        cycles = [
            sorted(c)
            for c in nx.strongly_connected_components(graph)
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

    expected = {eid: (depth_of[eid] if eid in detached else 0) for eid, deg in graph.in_degree() if deg == 0}
    todo = deque(expected)
    while todo:
        node = todo.popleft()
        for child in graph.successors(node):
            if child not in expected:
                expected[child] = expected[node] + 1
                todo.append(child)
    return expected


def _ring(graph: nx.DiGraph, start: int) -> list[int]:
    """The cycle through ``start`` in parent -> child order, back to ``start``. Every entry
    has one parent at most, so walking up the parents goes round the cycle."""
    ring, node = [start], next(iter(graph.predecessors(start)))
    while node != start:
        ring.append(node)
        node = next(iter(graph.predecessors(node)))
    ring.append(start)
    return ring[::-1]
