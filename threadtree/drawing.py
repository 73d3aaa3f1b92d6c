"""Drawing a thread as a tree with matplotlib, for notebooks.

This module owns :func:`draw` and the pure layout it uses, :func:`layout`. matplotlib is an
optional dependency (``pip install 'threadtree[draw]'``): it is imported inside :func:`draw`
only, so ``import threadtree`` never loads it.

The picture is top-down in lanes, like ``git log --graph`` drawn with boxes: a conversation
reads straight down, each branch opens to the right of its parent (siblings in id order), and
lanes are used again once their branch has ended (:func:`layout`). The live path (root to current leaf) is red, as in
:func:`threadtree.graph.to_dot`; branch tips (leaves) have a double border; long linear
stretches are folded into one dashed box (:func:`threadtree.graph.collapse_chains`).

Every node's text artist has the gid ``entry-<id>`` (``collapsed-<first id>`` for a folded
run) and every edge's line ``edge-<parent>-><child>``, so a drawing can be inspected, and an
SVG of it carries those ids.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

from . import _lazy
from .errors import InvalidInput, ThreadTreeError
from .graph import collapse_chains, node_order, roots

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.axes import Axes

    from .store import Store
else:
    nx = _lazy.module("networkx")  # imported at first use: `import threadtree` stays fast

__all__ = ["draw", "layout"]

_LIVE = "#d62728"  # the red of to_dot and to_mermaid
_LIVE_FILL = "#fde0dc"
_EDGE = "#9a9a9a"
_BORDER = "#4d4d4d"
_FONT_SIZE = 8.0  # points, before any shrinking to fit
# Sizes below are in multiples of the font size (em), so that a drawing shrunk to fit keeps
# its proportions: the padding inside a box (matplotlib's boxstyle pad), the widths of a
# box's border, and the two lines of a branch tip's double border. The outer of those
# reaches _OUTLINE beyond the box, which is the margin kept free around every box.
_PAD = 0.35
_BORDER_WIDTH, _LIVE_BORDER_WIDTH = 0.11, 0.2
_DOUBLE_OUTER, _DOUBLE_INNER = 0.6, 0.3
_OUTLINE = _DOUBLE_OUTER / 2
_EDGE_WIDTH, _LIVE_EDGE_WIDTH = 0.125, 0.35
_LINE = 20  # characters per line of a label
# Share of a slot (width) and of a level (height) a box may fill: the rest keeps boxes apart
# and leaves room to see the edges between levels.
_FILL_X, _FILL_Y = 0.88, 0.75
# Figure size bounds, inches. Past the upper bounds the text shrinks instead.
_MIN_SIZE = (4.5, 1.5)
_MAX_SIZE = (40.0, 40.0)
# Margins of a figure draw() makes, inches: the title above, the key below, a little aside.
_TOP_IN, _BOTTOM_IN, _SIDE_IN = 0.4, 0.3, 0.15


def layout(graph: nx.DiGraph) -> dict[Any, tuple[float, float]]:
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
        lanes = _tree_lanes(graph, root, placed)
        order = {id(lane): index for index, lane in enumerate(lanes)}
        for lane in lanes:
            for node, row in lane.nodes:
                pos[node] = (float(offset + order[id(lane)]), float(row))
        offset += len(lanes)
    return pos


class _Lane:
    """A column of the drawing; the lines placed in it never share a row."""

    __slots__ = ("end", "nodes", "parent", "start")

    def __init__(self) -> None:
        self.end = -1  # the last row its lines take
        self.start = -1  # the row where its latest line opens, and that line's parent
        self.parent: Any = None
        self.nodes: list[tuple[Any, int]] = []


def _tree_lanes(graph: nx.DiGraph, root: Any, placed: set) -> list[_Lane]:
    """Lay out the tree below ``root`` in lanes, row by row; return the lanes left to right.

    A *line* is a node and its first child, that child's first child, and so on. Lines are
    placed in the order of the row they open at, and within a row in the order of their
    parents' lanes, left to right (each parent's children in id order).
    """
    lanes: list[_Lane] = []
    lane_of: dict[Any, _Lane] = {}
    waiting: dict[int, list[tuple[Any, Any]]] = {0: [(None, root)]}  # row -> (parent, first node)
    while waiting:
        row = min(waiting)
        index = {id(lane): i for i, lane in enumerate(lanes)}
        batch = sorted(
            waiting.pop(row),
            key=lambda item: (-1 if item[0] is None else index[id(lane_of[item[0]])], node_order(item[1])),
        )
        for parent, first in batch:
            if first in placed:
                continue
            lane = _new_lane(lanes) if parent is None else _lane_below(lanes, lane_of[parent], parent, row)
            node, depth = first, row
            while node is not None:
                placed.add(node)
                lane.nodes.append((node, depth))
                lane_of[node] = lane
                children = sorted((c for c in graph.succ[node] if c not in placed), key=node_order)
                for child in children[1:]:
                    waiting.setdefault(depth + 1, []).append((node, child))
                node = children[0] if children else None
                depth += node is not None
            lane.start, lane.parent, lane.end = row, parent, depth
    return lanes


def _new_lane(lanes: list[_Lane], index: int | None = None) -> _Lane:
    lane = _Lane()
    lanes.insert(len(lanes) if index is None else index, lane)
    return lane


def _lane_below(lanes: list[_Lane], parent_lane: _Lane, parent: Any, row: int) -> _Lane:
    """The lane for a line that opens at ``row`` under ``parent``, found by looking right
    from the parent's lane:

    * a lane where another line opens at this row (an earlier sibling, or a branch from a
      parent further left) is stepped over: the new line goes to its right, so the two
      edges cannot cross;
    * a lane whose last line ended on the row just above is stepped over too (unrelated
      boxes never stand one right under the other);
    * the first lane that is free is taken;
    * a lane whose line runs on through this row would be crossed by the new edge: a new
      lane is put in just before it (the lanes to its right move over).
    """
    index = lanes.index(parent_lane) + 1
    while index < len(lanes):
        lane = lanes[index]
        if lane.start == row or lane.end == row - 1:
            index += 1
        elif lane.end < row - 1:
            return lane
        else:
            break
    return _new_lane(lanes, index)


def _label(node: Any, data: dict, max_label: int) -> str:
    """``id role`` on the first line, then the preview word-wrapped in lines of at most
    ``_LINE`` characters, as many lines as ``max_label`` characters fill (``…`` marks a cut)."""
    if "collapsed" in data:
        return f"… {data['collapsed']} entries\n{data['first']} … {data['last']}"
    width = min(_LINE, max_label)
    head = f"{node} {data.get('role', '')}"
    head = head if len(head) <= max(width, 12) else head[: max(width, 12) - 1] + "…"
    text = str(data.get("preview") or "")
    lines = textwrap.wrap(text, width=width, max_lines=math.ceil(max_label / width), placeholder=" …")
    return "\n".join([head, *lines])


def draw(
    store: Store, thread_id: str, *, ax: Axes | None = None, collapse: int | None = 3,
    max_label: int = 40,
) -> Axes:
    """Draw the thread's tree with matplotlib and return the axes.

    Roots are on top; a conversation reads straight down and each branch opens to the right
    of its parent, siblings in id order, lanes used again where branches have ended (see
    :func:`layout`). Each box shows the entry id, the role and the start of the message. The
    live path is red with thicker edges, branch tips have a double border, and a dashed box
    stands for a folded run of entries (``… 120 entries``, first and last id below).

    Without ``ax`` a new pyplot figure is made (so a notebook shows it), sized to the tree:
    wider with every lane, taller with every level, at most 40 x 40 inches (beyond that the
    text shrinks). With ``ax`` the tree fills that axes, and the text shrinks as needed so
    that no boxes overlap. Either way the text is fitted to the figure's size at the time of
    the call: draw again after resizing it.

    :param store: the :class:`threadtree.Store` to read.
    :param thread_id: the thread to draw.
    :param ax: the matplotlib axes to draw on; ``None``: a new figure.
    :param collapse: fold every run of more than this many linear entries (one parent, one
        child, no branch) into one box; ``None`` draws every entry.
    :param max_label: about how many characters of each message to show: the start of its
        first line, word-wrapped in lines of up to 20 characters, ``…`` marking a cut.
    :raises ThreadTreeError: matplotlib is not installed.
    :raises NotFound: there is no such thread.
    :raises InvalidInput: ``collapse`` or ``max_label`` is not an int of at least 1.
    """
    mpl = _import_matplotlib()
    if isinstance(max_label, bool) or not isinstance(max_label, int) or max_label < 1:
        raise InvalidInput(f"max_label must be an int of at least 1, not {max_label!r}")
    graph = store.graph(thread_id)
    entries = graph.number_of_nodes()
    if collapse is not None:
        graph = collapse_chains(graph, collapse)
    pos = layout(graph)
    columns = 1 + max((x for x, _ in pos.values()), default=0)
    levels = 1 + max((y for _, y in pos.values()), default=0)

    created = ax is None
    if created:
        import matplotlib.pyplot as plt  # pyplot, so that a notebook shows the figure

        _, ax = plt.subplots(figsize=_MIN_SIZE)
    ax.set_axis_off()
    ax.set_xlim(-0.5, columns - 0.5)
    ax.set_ylim(levels - 0.5, -0.5)  # inverted: the roots on top
    boxes = [_draw_node(ax, node, data, pos[node], max_label) for node, data in graph.nodes(data=True)]
    edges = [_draw_edge(ax, mpl, parent, child, graph, pos) for parent, child in graph.edges]
    _annotate(ax, graph, entries)
    _style(mpl, boxes, edges, _FONT_SIZE)
    if boxes:
        if created:
            _size_figure(ax, boxes, columns, levels)
        _fit(mpl, ax, boxes, edges)
    return ax


def _import_matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.lines
        import matplotlib.patheffects
    except ImportError as exc:
        raise ThreadTreeError("threadtree.draw needs matplotlib: pip install 'threadtree[draw]'") from exc
    return matplotlib


def _annotate(ax: Axes, graph: nx.DiGraph, entries: int) -> None:
    """The title (thread title, counts) above the tree and a key to the styles below it."""
    tips = sum(1 for _, data in graph.nodes(data=True) if data.get("leaf"))
    title = graph.graph.get("title") or graph.graph.get("thread_id") or ""
    ax.set_title(title, loc="left", fontsize=_FONT_SIZE + 2)
    summary = "no entries"
    if entries:
        summary = f"{entries} entr{'y' if entries == 1 else 'ies'}, {tips} branch tip{'' if tips == 1 else 's'}"
    ax.set_title(summary, loc="right", fontsize=_FONT_SIZE, color="#666666")
    key = ["red: live path", "double border: branch tip"]
    if any("collapsed" in data for _, data in graph.nodes(data=True)):
        key.append("dashed: folded entries")
    ax.text(0, 0, "   ".join(key), transform=ax.transAxes, ha="left", va="top", fontsize=_FONT_SIZE - 1,
            color="#666666", parse_math=False)


def _draw_node(ax: Axes, node: Any, data: dict, xy: tuple[float, float], max_label: int) -> tuple:
    """The box of one node, unstyled in size: (text, live, leaf)."""
    live, folded = bool(data.get("current")), "collapsed" in data
    text = ax.text(
        xy[0], xy[1], _label(node, data, max_label), ha="center", va="center",
        color="#5c5c5c" if folded else "#1a1a1a", linespacing=1.1, zorder=3,
        parse_math=False,  # a message's "$" signs are text, never mathtext
        gid=f"collapsed-{node[1]}" if folded else f"entry-{node}",
        bbox={
            "boxstyle": f"round,pad={_PAD}",
            "facecolor": _LIVE_FILL if live else ("#f4f4f4" if folded else "white"),
            "edgecolor": _LIVE if live else _BORDER,
            "linestyle": "--" if folded else "-",
        },
    )
    return text, live, bool(data.get("leaf"))


def _draw_edge(ax: Axes, mpl: Any, parent: Any, child: Any, graph: nx.DiGraph, pos: dict) -> tuple:
    """The line from parent to child, under the boxes: (line, live)."""
    live = bool(graph.nodes[parent].get("current") and graph.nodes[child].get("current"))
    (x0, y0), (x1, y1) = pos[parent], pos[child]
    line = mpl.lines.Line2D(
        [x0, x1], [y0, y1], color=_LIVE if live else _EDGE, zorder=2 if live else 1, solid_capstyle="round",
        gid=f"edge-{_gid(parent)}->{_gid(child)}",
    )
    ax.add_line(line)
    return line, live


def _gid(node: Any) -> str:
    return f"collapsed-{node[1]}" if isinstance(node, tuple) else str(node)


def _style(mpl: Any, boxes: list, edges: list, size: float) -> None:
    """Give every label the font size ``size`` and every line a width in proportion."""
    for text, live, leaf in boxes:
        text.set_fontsize(size)
        patch = text.get_bbox_patch()
        patch.set_linewidth((_LIVE_BORDER_WIDTH if live else _BORDER_WIDTH) * size)
        if leaf:
            # A double border, as DOT's peripheries=2: a wide stroke in the border colour,
            # a narrower white one on it, then the box itself (which covers their inner half).
            patch.set_path_effects([
                mpl.patheffects.Stroke(linewidth=_DOUBLE_OUTER * size, foreground=patch.get_edgecolor()),
                mpl.patheffects.Stroke(linewidth=_DOUBLE_INNER * size, foreground="white"),
                mpl.patheffects.Normal(),
            ])
    for line, live in edges:
        line.set_linewidth((_LIVE_EDGE_WIDTH if live else _EDGE_WIDTH) * size)


def _box_size(text: Any) -> tuple[float, float]:
    """Width and height in pixels that a label's box needs: the text, its padding, and the
    margin its outer border may reach."""
    extent = text.get_window_extent()
    margin = 2 * (_PAD + _OUTLINE) * text.get_fontsize() * text.figure.dpi / 72
    return extent.width + margin, extent.height + margin


def _size_figure(ax: Axes, boxes: list, columns: float, levels: float) -> None:
    """Give the figure the size the boxes need at the normal font size, within bounds."""
    fig = ax.figure
    widths, heights = zip(*(_box_size(text) for text, _, _ in boxes))
    slot = max(widths) / fig.dpi / _FILL_X
    level = max(heights) / fig.dpi / _FILL_Y
    width = min(max(columns * slot, _MIN_SIZE[0]), _MAX_SIZE[0] - 2 * _SIDE_IN)
    height = min(max(levels * level, _MIN_SIZE[1]), _MAX_SIZE[1] - _TOP_IN - _BOTTOM_IN)
    total_w, total_h = width + 2 * _SIDE_IN, height + _TOP_IN + _BOTTOM_IN
    fig.set_size_inches(total_w, total_h)
    ax.set_position([_SIDE_IN / total_w, _BOTTOM_IN / total_h, width / total_w, height / total_h])


def _fit(mpl: Any, ax: Axes, boxes: list, edges: list) -> None:
    """Shrink every label alike until each box fits its slot and its level.

    Below about one pixel per em a renderer stops making text smaller; there the shrinking
    stops too, and boxes of a tree far too big for its axes may touch.
    """
    origin = ax.transData.transform((0, 0))
    slot, level = abs(ax.transData.transform((1, 1)) - origin)
    size, before = _FONT_SIZE, None
    for _ in range(8):  # text width is not exactly linear in the font size: measure again
        widths, heights = zip(*(_box_size(text) for text, _, _ in boxes))
        need = (max(widths), max(heights))
        scale = min(_FILL_X * slot / need[0], _FILL_Y * level / need[1])
        if scale >= 1 or need == before:
            return
        size, before = size * scale * 0.97, need
        _style(mpl, boxes, edges, size)
