"""What a drawing of a thread shows and where, before anything is drawn: the lane layout.

This module owns :func:`plan` (the boxes, edges and fold markers of a picture, with their
lanes and levels) and :func:`layout` (the lane layout itself). Both are pure: nothing here
imports matplotlib, so :func:`threadtree.draw` and any other renderer (an SVG viewer) draw the
same picture, and tests check it without rendering anything.

Three kinds of box:

* an *entry*: one message (the node key is its id);
* a *run* (``("collapsed", first id)``): a linear stretch of conversation folded into one box,
  see :func:`threadtree.graph.collapse_chains`;
* a *fold* (``("more", first id)``): children of an entry that are not drawn, with everything
  below them. A wide fan-out keeps its first and last few children and the one on the live
  path, the rest become one ``… N more`` box; with ``focus="live"`` the entries beside the
  live path show what lies below them as one fold.

Invariants of a plan: every box has its own (lane, level); a child is one level below its
parent; edges never cross; the live child of every entry is drawn (folds are never live).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .errors import InvalidInput, NotFound
from .graph import collapse_chains, node_order, roots

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Box", "Edge", "Plan", "layout", "plan"]


@attrs.frozen
class Box:
    """One box of a plan.

    :ivar node: an entry id, ``("collapsed", first id)`` for a run, ``("more", first id)``
        for a fold (the id of the first entry it stands for).
    :ivar x: the lane (0 on the left).
    :ivar y: the level (0 for the roots, growing downwards).
    :ivar live: on the live path (a run the live path goes through is live; a fold never is).
    :ivar tip: a branch tip (an entry without children).
    :ivar data: the node's attributes: an entry's as in :meth:`threadtree.Store.graph`; a
        run's ``collapsed``, ``first``, ``last``; a fold's ``more`` (children folded),
        ``entries`` (entries folded, those children and all below them), ``tips``, ``first``
        and ``last`` (ids of the first and last child folded) and ``below`` (true when no
        child of the parent is drawn).
    """

    node: Any
    x: float
    y: float
    live: bool
    tip: bool
    data: Mapping[str, Any]

    @property
    def kind(self) -> str:
        """``"entry"``, ``"run"`` or ``"fold"``."""
        if not isinstance(self.node, tuple):
            return "entry"
        return "run" if self.node[0] == "collapsed" else "fold"


@attrs.frozen
class Edge:
    """A line from ``parent`` to ``child`` (node keys, as in :class:`Box`); ``live`` when
    both ends are on the live path."""

    parent: Any
    child: Any
    live: bool


@attrs.frozen
class Plan:
    """A picture of a thread: boxes in lanes and levels, and the edges between them.

    :ivar boxes: in id order (runs and folds where their first entry would be).
    :ivar edges: parent to child, in the order of the boxes.
    :ivar lanes: how many lanes (columns) wide the picture is.
    :ivar levels: how many levels (rows) tall.
    :ivar entries: entries in the thread, drawn or not.
    :ivar tips: branch tips in the thread, drawn or not.
    :ivar drawn: entries drawn as boxes of their own.
    :ivar folded: entries behind the folds (``… N more``).
    """

    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    lanes: int
    levels: int
    entries: int
    tips: int
    drawn: int
    folded: int

    @property
    def folds(self) -> tuple[Box, ...]:
        """The fold boxes, in id order."""
        return tuple(box for box in self.boxes if box.kind == "fold")


def plan(graph: nx.DiGraph, *, collapse: int | None = 3, fold: int | None = 3, focus: Any = None) -> Plan:
    """The picture :func:`threadtree.draw` makes of ``graph`` (a thread's graph, as
    :meth:`threadtree.Store.graph` returns it), as boxes in lanes and levels.

    :param collapse: fold every run of more than this many linear entries into one box;
        ``None`` keeps every entry.
    :param fold: where an entry has more than ``2 * fold + 1`` children, draw the first
        ``fold`` and the last ``fold`` of them (and the one on the live path) and fold the
        others, with everything below them, into one ``… N more`` box (two, when the live
        child is among them); ``None`` draws every child.
    :param focus: ``None``: the whole thread. ``"live"``: the live path, the other children
        of each entry on it (the siblings at each branch point, each with one fold for what
        lies below it), and the children of the current leaf; the live path runs straight
        down the first lane. An entry id: that entry and everything below it.
    :raises InvalidInput: ``collapse`` or ``fold`` is not an int of at least 1 (nor ``None``),
        or ``focus`` is none of the above.
    :raises NotFound: ``focus`` is an entry id that is not in the graph.

    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, n) for n in range(2, 12)])  # ten answers to one question
    >>> p = plan(g, fold=2)
    >>> [box.node for box in p.boxes], p.lanes
    ([1, 2, 3, ('more', 4), 10, 11], 5)
    >>> p.folds[0].data["more"], p.folded
    (6, 6)
    """
    if collapse is not None:
        _check_count(collapse, "collapse")
    if fold is not None:
        _check_count(fold, "fold")
    if focus is not None and focus != "live":
        if isinstance(focus, bool) or not isinstance(focus, int):
            raise InvalidInput(f"focus must be None, 'live' or an entry id, not {focus!r}")
        if focus not in graph:
            raise NotFound(f"focus: entry {focus} is not in thread {graph.graph.get('thread_id')!r}")
    shown = _cut(graph, fold, focus)
    folded = sum(data.get("entries", 0) for node, data in shown.nodes(data=True) if _is_fold(node))
    if collapse is not None:
        shown = collapse_chains(shown, collapse)
    nodes = shown.nodes
    trunk = {node for node, live in nodes(data="current") if live} if focus == "live" else None
    pos = layout(shown, trunk=trunk)
    order = sorted(shown, key=node_order)
    boxes = tuple(
        Box(
            node,
            *pos[node],
            bool(nodes[node].get("current")),
            not isinstance(node, tuple) and not graph.succ[node],
            nodes[node],
        )
        for node in order
    )
    edges = tuple(
        Edge(parent, child, bool(nodes[parent].get("current") and nodes[child].get("current")))
        for parent in order
        for child in sorted(shown.succ[parent], key=node_order)
    )
    return Plan(
        boxes=boxes,
        edges=edges,
        lanes=1 + int(max((x for x, _ in pos.values()), default=-1)),
        levels=1 + int(max((y for _, y in pos.values()), default=-1)),
        entries=graph.number_of_nodes(),
        tips=sum(1 for node in graph if not graph.succ[node]),
        drawn=sum(1 for node in shown if not isinstance(node, tuple)),
        folded=folded,
    )


def _check_count(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"{name} must be an int of at least 1 or None, not {value!r}")


def _is_fold(node: Any) -> bool:
    return isinstance(node, tuple) and node[0] == "more"


def _cut(graph: nx.DiGraph, fold: int | None, focus: Any) -> nx.DiGraph:
    """The part of ``graph`` a picture shows (see :func:`plan`), folds included: a new graph
    holding only what is drawn, so that a fan-out of 100,000 costs one walk, not a layout."""
    succ, nodes = graph.succ, graph.nodes
    if focus is None and (fold is None or max((len(succ[node]) for node in graph), default=0) <= 2 * fold + 1):
        starts = roots(graph)
        if fold is None or len(starts) <= 2 * fold + 1:
            return graph  # nothing to cut: no copy of a 100,000-entry chain
    live = {node for node, current in nodes(data="current") if current}
    kept: list = []  # nodes with their attributes, and edges: added to the new graph at once
    edges: list = []
    seen: set = set()
    stack: list = []

    def place(parent: Any, children: list, open_: bool) -> None:
        if open_:
            keep, runs = _split(children, fold, live)
        elif len(children) == 1 and not succ[children[0]]:  # a fold of one tip would hide nothing
            keep, runs = children, []
        else:
            keep, runs = [], [children] if children else []
        for run in runs:
            key = ("more", run[0])
            kept.append(
                (
                    key,
                    {
                        "role": "…",
                        "preview": "",
                        "leaf": False,
                        "current": False,
                        "depth": nodes[run[0]].get("depth"),
                        "more": len(run),
                        "first": run[0],
                        "last": run[-1],
                        "below": not keep,
                        **_hide(graph, run, seen),
                    },
                )
            )
            if parent is not None:
                edges.append((parent, key))
        kept.extend((child, nodes[child]) for child in keep)
        if parent is not None:
            edges.extend((parent, child) for child in keep)
        stack.extend(keep)

    starts = roots(graph) if focus is None or focus == "live" else [focus]
    seen.update(starts)
    place(None, starts, True)
    while stack:
        node = stack.pop()
        children = sorted((child for child in succ[node] if child not in seen), key=node_order)
        seen.update(children)  # first come, first placed: a damaged graph's cycle ends here
        place(node, children, focus != "live" or node in live)
    shown = type(graph)(**graph.graph)
    shown.add_nodes_from(kept)
    shown.add_edges_from(edges)
    return shown


def _split(children: list, fold: int | None, live: set) -> tuple[list, list[list]]:
    """The children to draw, and the runs of children to fold (each at least two long)."""
    if fold is None or len(children) <= 2 * fold + 1:
        return children, []
    last = len(children) - fold
    keep: list = []
    runs: list[list] = []
    run: list = []
    for index, child in enumerate(children + [None]):  # None: the end, which closes the last run
        if index < fold or index >= last or child in live:
            if len(run) == 1:  # a box for one child would save nothing: draw the child
                keep.extend(run)
            elif run:
                runs.append(run)
            run = []
            if child is not None:
                keep.append(child)
        else:
            run.append(child)
    return keep, runs


def _hide(graph: nx.DiGraph, run: Iterable, seen: set) -> dict[str, int]:
    """Count the entries and branch tips in and below ``run``, marking them seen."""
    succ = graph.succ
    stack, entries, tips = list(run), 0, 0
    seen.update(stack)
    while stack:
        node = stack.pop()
        entries += 1
        children = [child for child in succ[node] if child not in seen]
        tips += not succ[node]
        seen.update(children)
        stack.extend(children)
    return {"entries": entries, "tips": tips}


def layout(graph: nx.DiGraph, *, trunk: set | None = None) -> dict[Any, tuple[float, float]]:
    """A top-down lane layout: ``{node: (x, y)}``, ``y`` the level (0 for the roots, growing
    downwards) and ``x`` a lane (a column).

    A conversation reads straight down: a node's first child (in id order) sits directly
    below it, in its lane; each later child opens a branch in the lane just right of its
    parent's (after its earlier siblings). A lane whose branch has ended is used again further
    down; where the next lane is still busy, a new lane is put in there and the lanes to its
    right move over. So edges never cross, the picture is as wide as the branches that run
    side by side (not as wide as the number of leaves), and siblings run left to right in id
    order. Each root's tree keeps to its own lanes, roots side by side in the order of
    :func:`threadtree.graph.roots`. In a damaged graph (a cycle) a node is placed once, where
    the walk first reaches it. Works on raw and collapsed graphs alike.

    ``trunk``: nodes (such as the live path) that go straight down below their parent ahead
    of their siblings, which then open to the right in id order.

    Time: about linear in the nodes, plus the lanes for every level where branches open.

    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (4, 7), (6, 8), (6, 9)])
    >>> sorted(layout(g).items())  # doctest: +NORMALIZE_WHITESPACE
    [(1, (0.0, 0.0)), (2, (0.0, 1.0)), (3, (1.0, 1.0)), (4, (0.0, 2.0)), (5, (1.0, 2.0)),
     (6, (0.0, 3.0)), (7, (2.0, 3.0)), (8, (0.0, 4.0)), (9, (1.0, 4.0))]
    """
    pos: dict[Any, tuple[float, float]] = {}
    placed: set = set()
    offset = 0
    for root in roots(graph):
        if root in placed:
            continue
        lanes = _tree_lanes(graph, root, placed, trunk or ())
        for index, lane in enumerate(lanes):
            for node, row in lane.nodes:
                pos[node] = (float(offset + index), float(row))
        offset += len(lanes)
    return pos


class _Lane:
    """A column of the drawing; the lines placed in it never share a row."""

    __slots__ = ("end", "nodes", "start")

    def __init__(self) -> None:
        self.end = -1  # the last row its lines take
        self.start = -1  # the row where its latest line opens
        self.nodes: list[tuple[Any, int]] = []


def _tree_lanes(graph: nx.DiGraph, root: Any, placed: set, trunk: Any) -> list[_Lane]:
    """Lay out the tree below ``root`` in lanes, row by row; return the lanes left to right.

    A *line* is a node and its first child (a child in ``trunk`` first, else in id order),
    that child's first child, and so on. Lines are placed in the order of the row they open
    at, and within a row in the order of their parents' lanes, left to right (each parent's
    children in id order).
    """
    lanes: list[_Lane] = []
    lane_of: dict[Any, _Lane] = {}
    waiting: dict[int, list[tuple[Any, Any]]] = {0: [(None, root)]}  # row -> (parent, first node)
    rows = [0]  # the keys of waiting, a heap
    while rows:
        row = heapq.heappop(rows)
        index = {id(lane): i for i, lane in enumerate(lanes)}
        batch = sorted(
            waiting.pop(row),
            key=lambda item: (-1 if item[0] is None else index[id(lane_of[item[0]])], node_order(item[1])),
        )
        # Lanes put in during this row all go left of the lanes of the parents still to come
        # (a parent's lane runs on through this row, and no search passes a busy lane), and an
        # entry's later children go right of its earlier ones: no search starts from scratch.
        inserted, previous, after = 0, _NOBODY, 0
        for parent, first in batch:
            if first in placed:
                continue
            if parent is None:
                lane = _new_lane(lanes, len(lanes))
            else:
                start = after if parent == previous else index[id(lane_of[parent])] + inserted + 1
                lane, at, new = _lane_below(lanes, start, row)
                inserted, previous, after = inserted + new, parent, at + 1
            node, depth = first, row
            while node is not None:
                placed.add(node)
                lane.nodes.append((node, depth))
                lane_of[node] = lane
                children = sorted((c for c in graph.succ[node] if c not in placed), key=node_order)
                if trunk and len(children) > 1:
                    ahead = next((c for c in children if c in trunk), children[0])
                    children.remove(ahead)
                    children.insert(0, ahead)
                if len(children) > 1:
                    if depth + 1 not in waiting:
                        waiting[depth + 1] = []
                        heapq.heappush(rows, depth + 1)
                    waiting[depth + 1].extend((node, child) for child in children[1:])
                node = children[0] if children else None
                depth += node is not None
            lane.start, lane.end = row, depth
    return lanes


_NOBODY = object()


def _new_lane(lanes: list[_Lane], index: int) -> _Lane:
    lane = _Lane()
    lanes.insert(index, lane)
    return lane


def _lane_below(lanes: list[_Lane], index: int, row: int) -> tuple[_Lane, int, int]:
    """The lane for a line that opens at ``row`` below a parent whose lane (or whose
    previous child's lane) is just left of ``index``, found by looking right from there:

    * a lane where another line opens at this row (an earlier sibling, or a branch from a
      parent further left) is stepped over: the new line goes to its right, so the two
      edges cannot cross;
    * a lane whose last line ended on the row just above is stepped over too (unrelated
      boxes never stand one right under the other);
    * the first lane that is free is taken;
    * a lane whose line runs on through this row would be crossed by the new edge: a new
      lane is put in just before it (the lanes to its right move over).

    Returns the lane, its index, and 1 if it is new (0 if used again).
    """
    while index < len(lanes):
        lane = lanes[index]
        if lane.start == row or lane.end == row - 1:
            index += 1
        elif lane.end < row - 1:
            return lane, index, 0
        else:
            break
    return _new_lane(lanes, index), index, 1
