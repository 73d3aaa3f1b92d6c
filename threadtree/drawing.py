"""Drawing a thread as a tree with matplotlib, for notebooks.

This module owns :func:`draw`; what it draws (which boxes, in which lanes and levels) comes
from the pure :func:`threadtree.lanes.plan`, and :func:`layout` is
:func:`threadtree.lanes.layout`. matplotlib is an optional dependency (``pip install
'threadtree[draw]'``): it is imported inside :func:`draw` only, so ``import threadtree``
never loads it.

The picture is top-down in lanes, like ``git log --graph`` drawn with boxes: a conversation
reads straight down, each branch opens to the right of its parent (siblings in id order), and
lanes are used again once their branch has ended. The live path (root to current leaf) is
red, as in :func:`threadtree.graph.to_dot`; branch tips (leaves) have a double border; long
linear stretches (:func:`threadtree.graph.collapse_chains`) and the middle of wide fan-outs
are folded into dashed boxes.

Every node's text artist has the gid ``entry-<id>`` (``collapsed-<first id>`` for a folded
run, ``more-<first id>`` for folded children) and every edge's line
``edge-<parent>-><child>``, so a drawing can be inspected, and an SVG of it carries those ids.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidInput, ThreadTreeError
from .lanes import Box, Edge, Plan, layout, plan

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .store import Store

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
_MEASURED = 10  # boxes measured again while shrinking: the widest and the tallest
# Past this many boxes, or where the text would have to shrink below this size (points: about
# a pixel per em, where a renderer stops shrinking text and boxes would touch), a picture is
# drawn as an outline without labels: thousands of labels take a minute to render, unread.
_MOST_LABELS, _SMALLEST_FONT = 1000, 1.0


def _label(box: Box, max_label: int) -> str:
    """``id role`` on the first line, then the preview word-wrapped in lines of at most
    ``_LINE`` characters, as many lines as ``max_label`` characters fill (``…`` marks a cut).
    A run or a fold says how many entries it stands for and the ids of the first and last."""
    node, data = box.node, box.data
    if box.kind == "run":
        return f"… {data['collapsed']} entries\n{data['first']} … {data['last']}"
    if box.kind == "fold":
        return _fold_label(data)
    width = min(_LINE, max_label)
    head = f"{node} {data.get('role', '')}"
    head = head if len(head) <= max(width, 12) else head[: max(width, 12) - 1] + "…"
    text = str(data.get("preview") or "")
    lines = textwrap.wrap(text, width=width, max_lines=math.ceil(max_label / width), placeholder=" …")
    return "\n".join([head, *lines])


def _fold_label(data: Mapping[str, Any]) -> str:
    """``… 99,994 more`` with the first and last id for folded siblings; ``… 41 below``
    with the branch tips among them when all the children of an entry are folded."""
    entries, tips = data["entries"], data["tips"]
    if data["below"]:
        return f"… {entries:,} below\n{tips:,} branch tip{'' if tips == 1 else 's'}"
    more = f"… {data['more']:,} more"
    if entries > data["more"]:
        more += f", {entries:,} entries"
    return f"{more}\n{data['first']} … {data['last']}"


def draw(
    store: Store,
    thread_id: str,
    *,
    ax: Axes | None = None,
    collapse: int | None = 3,
    fold: int | None = 3,
    focus: Any = None,
    max_label: int = 40,
) -> Axes:
    """Draw the thread's tree with matplotlib and return the axes.

    Roots are on top; a conversation reads straight down and each branch opens to the right
    of its parent, siblings in id order, lanes used again where branches have ended (see
    :func:`threadtree.lanes.plan`). Each box shows the entry id, the role and the start of
    the message. The live path is red with thicker edges, branch tips have a double border,
    and a dashed box stands for entries not drawn: a folded run (``… 120 entries``, first and
    last id below) or folded children (``… 99,994 more``, ``… 41 below``).

    Without ``ax`` a new pyplot figure is made (so a notebook shows it), sized to the tree:
    wider with every lane, taller with every level, at most 40 x 40 inches (beyond that the
    text shrinks). With ``ax`` the tree fills that axes, and the text shrinks as needed so
    that no boxes overlap. Either way the text is fitted to the figure's size at the time of
    the call: draw again after resizing it. A picture of more than 1,000 boxes, or one whose
    text would have to shrink below one point, is drawn as an outline instead: a square for
    each box (the live path red), no labels, and a key that says how to draw a readable part.
    The boxes and their places are :func:`threadtree.lanes.plan` of the thread's graph, for
    anything else that draws the same picture.

    :param store: the :class:`threadtree.Store` to read.
    :param thread_id: the thread to draw.
    :param ax: the matplotlib axes to draw on; ``None``: a new figure.
    :param collapse: fold every run of more than this many linear entries (one parent, one
        child, no branch) into one box; ``None`` draws every entry.
    :param fold: where an entry has more than ``2 * fold + 1`` children, draw the first and
        the last ``fold`` of them and the one on the live path, and fold the others (with all
        below them) into a ``… N more`` box; ``None`` draws every child.
    :param focus: ``None`` draws the whole thread; ``"live"`` the live path straight down,
        with the other children of every entry on it (what lies below each of those folded
        into one ``… N below`` box); an entry id draws that entry and everything below it.
    :param max_label: about how many characters of each message to show: the start of its
        first line, word-wrapped in lines of up to 20 characters, ``…`` marking a cut.
    :raises ThreadTreeError: matplotlib is not installed.
    :raises NotFound: there is no such thread, or no entry ``focus``.
    :raises InvalidInput: ``collapse``, ``fold`` or ``max_label`` is not an int of at least
        1, ``focus`` is not ``None``, ``"live"`` or an entry id, or that entry belongs to
        another thread.
    """
    mpl = _import_matplotlib()
    if isinstance(max_label, bool) or not isinstance(max_label, int) or max_label < 1:
        raise InvalidInput(f"max_label must be an int of at least 1, not {max_label!r}")
    graph = store.graph(thread_id)
    if isinstance(focus, int) and not isinstance(focus, bool) and focus not in graph:
        owner = store.get_entry(focus).thread_id  # NotFound if there is no such entry
        raise InvalidInput(f"focus: entry {focus} belongs to thread {owner!r}, not {thread_id!r}")
    picture = plan(graph, collapse=collapse, fold=fold, focus=focus)

    created = ax is None
    if created:
        import matplotlib.pyplot as plt  # pyplot, so that a notebook shows the figure

        _, ax = plt.subplots(figsize=_MIN_SIZE)
    assert ax is not None  # given, or made just above
    ax.set_axis_off()
    ax.set_xlim(-0.5, max(picture.lanes, 1) - 0.5)
    ax.set_ylim(max(picture.levels, 1) - 0.5, -0.5)  # inverted: the roots on top
    labels = [_label(box, max_label) for box in picture.boxes]
    outline = False
    if labels:
        need = _biggest_label(ax, labels)
        if created:
            _size_figure(ax, [need], picture.lanes, picture.levels)
        outline = len(labels) > _MOST_LABELS or _scale(ax, need) * _FONT_SIZE < _SMALLEST_FONT
    _annotate(ax, picture, graph.graph, focus, outline)
    if outline:
        _draw_outline(ax, mpl, picture)
        return ax
    at = {box.node: box for box in picture.boxes}
    boxes = [_draw_node(ax, box, label) for box, label in zip(picture.boxes, labels)]
    edges = [_draw_edge(ax, mpl, edge, at) for edge in picture.edges]
    _style(mpl, boxes, edges, _FONT_SIZE)
    if boxes:
        sizes = [_box_size(text) for text, _, _ in boxes]
        if created:
            _size_figure(ax, sizes, picture.lanes, picture.levels)
        _fit(mpl, ax, boxes, edges, sizes)
    return ax


def _import_matplotlib() -> Any:
    try:
        import matplotlib
        import matplotlib.collections
        import matplotlib.lines
        import matplotlib.patheffects
    except ImportError as exc:
        raise ThreadTreeError("threadtree.draw needs matplotlib: pip install 'threadtree[draw]'") from exc
    return matplotlib


def _annotate(ax: Axes, picture: Plan, thread: dict, focus: Any, outline: bool) -> None:
    """The title (thread title, counts, what is drawn) above the tree and a key to the styles
    below it."""
    title = thread.get("title") or thread.get("thread_id") or ""
    ax.set_title(title, loc="left", fontsize=_FONT_SIZE + 2)
    entries, tips = picture.entries, picture.tips
    summary = "no entries"
    if entries:
        summary = f"{entries:,} entr{'y' if entries == 1 else 'ies'}, {tips:,} branch tip{'' if tips == 1 else 's'}"
    if focus is not None:
        summary += "; drawn: the live path" if focus == "live" else f"; drawn: entry {focus} and below"
    ax.set_title(summary, loc="right", fontsize=_FONT_SIZE, color="#666666")
    if outline:
        key = [
            "red: live path",
            f"{len(picture.boxes):,} boxes, too many to label: focus='live' or "
            "focus=<entry id> draws a part you can read",
        ]
    else:
        key = ["red: live path", "double border: branch tip"]
        if any(box.kind != "entry" for box in picture.boxes):
            key.append("dashed: folded entries")
    ax.text(
        0,
        0,
        "   ".join(key),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=_FONT_SIZE - 1,
        color="#666666",
        parse_math=False,
    )


def _draw_node(ax: Axes, box: Box, label: str) -> tuple:
    """The box of one node, unstyled in size: (text, live, leaf)."""
    folded = box.kind != "entry"
    text = ax.text(
        box.x,
        box.y,
        label,
        ha="center",
        va="center",
        color="#5c5c5c" if folded else "#1a1a1a",
        linespacing=1.1,
        zorder=3,
        parse_math=False,  # a message's "$" signs are text, never mathtext
        gid=_gid(box.node) if folded else f"entry-{box.node}",
        bbox={
            "boxstyle": f"round,pad={_PAD}",
            "facecolor": _LIVE_FILL if box.live else ("#f4f4f4" if folded else "white"),
            "edgecolor": _LIVE if box.live else _BORDER,
            "linestyle": "--" if folded else "-",
        },
    )
    return text, box.live, box.tip


def _draw_edge(ax: Axes, mpl: Any, edge: Edge, at: dict) -> tuple:
    """The line from parent to child, under the boxes: (line, live)."""
    top, bottom = at[edge.parent], at[edge.child]
    line = mpl.lines.Line2D(
        [top.x, bottom.x],
        [top.y, bottom.y],
        color=_LIVE if edge.live else _EDGE,
        zorder=2 if edge.live else 1,
        solid_capstyle="round",
        gid=f"edge-{_gid(edge.parent)}->{_gid(edge.child)}",
    )
    ax.add_line(line)
    return line, edge.live


def _gid(node: Any) -> str:
    """``17``, ``collapsed-17`` (a run), ``more-17`` (folded children)."""
    return f"{node[0]}-{node[1]}" if isinstance(node, tuple) else str(node)


def _style(mpl: Any, boxes: list, edges: list, size: float) -> None:
    """Give every label the font size ``size`` and every line a width in proportion."""
    for text, live, leaf in boxes:
        text.set_fontsize(size)
        patch = text.get_bbox_patch()
        patch.set_linewidth((_LIVE_BORDER_WIDTH if live else _BORDER_WIDTH) * size)
        if leaf:
            # A double border, as DOT's peripheries=2: a wide stroke in the border colour,
            # a narrower white one on it, then the box itself (which covers their inner half).
            patch.set_path_effects(
                [
                    mpl.patheffects.Stroke(linewidth=_DOUBLE_OUTER * size, foreground=patch.get_edgecolor()),
                    mpl.patheffects.Stroke(linewidth=_DOUBLE_INNER * size, foreground="white"),
                    mpl.patheffects.Normal(),
                ]
            )
    for line, live in edges:
        line.set_linewidth((_LIVE_EDGE_WIDTH if live else _EDGE_WIDTH) * size)


def _box_size(text: Any) -> tuple[float, float]:
    """Width and height in pixels that a label's box needs: the text, its padding, and the
    margin its outer border may reach."""
    extent = text.get_window_extent()
    margin = 2 * (_PAD + _OUTLINE) * text.get_fontsize() * text.figure.dpi / 72
    return extent.width + margin, extent.height + margin


def _size_figure(ax: Axes, sizes: list[tuple[float, float]], columns: float, levels: float) -> None:
    """Give the figure the size the boxes need at the normal font size, within bounds."""
    fig: Any = ax.figure  # a Figure: only the figure draw() made itself is sized
    slot = max(width for width, _ in sizes) / fig.dpi / _FILL_X
    level = max(height for _, height in sizes) / fig.dpi / _FILL_Y
    width = min(max(columns * slot, _MIN_SIZE[0]), _MAX_SIZE[0] - 2 * _SIDE_IN)
    height = min(max(levels * level, _MIN_SIZE[1]), _MAX_SIZE[1] - _TOP_IN - _BOTTOM_IN)
    total_w, total_h = width + 2 * _SIDE_IN, height + _TOP_IN + _BOTTOM_IN
    fig.set_size_inches(total_w, total_h)
    ax.set_position((_SIDE_IN / total_w, _BOTTOM_IN / total_h, width / total_w, height / total_h))


def _biggest_label(ax: Axes, labels: list[str]) -> tuple[float, float]:
    """About the width and height in pixels of the biggest box at the normal font size,
    measured on the labels with the longest lines and the most lines only (measuring every
    label of a 6,000-box picture takes seconds)."""
    lines = [label.split("\n") for label in labels]
    by_width = sorted(range(len(labels)), key=lambda i: max(map(len, lines[i])))[-_MEASURED:]
    by_height = sorted(range(len(labels)), key=lambda i: len(lines[i]))[-_MEASURED:]
    sizes = []
    for index in {*by_width, *by_height}:
        text = ax.text(0, 0, labels[index], fontsize=_FONT_SIZE, linespacing=1.1, parse_math=False)
        sizes.append(_box_size(text))
        text.remove()
    return max(width for width, _ in sizes), max(height for _, height in sizes)


def _scale(ax: Axes, need: tuple[float, float]) -> float:
    """How much a box of ``need`` pixels must shrink to fit its slot and its level."""
    slot, level = _cell(ax)
    return min(_FILL_X * slot / need[0], _FILL_Y * level / need[1])


def _cell(ax: Axes) -> tuple[float, float]:
    """Width of a lane and height of a level, in pixels."""
    origin = ax.transData.transform((0, 0))
    slot, level = abs(ax.transData.transform((1, 1)) - origin)
    return slot, level


def _draw_outline(ax: Axes, mpl: Any, picture: Plan) -> None:
    """A picture too big to label: a square for each box, the live path red, the edges in
    one collection (thousands of boxes render in a fraction of a second)."""
    side = 0.6 * min(_cell(ax)) * 72 / ax.figure.dpi  # points
    at = {box.node: (box.x, box.y) for box in picture.boxes}
    ax.add_collection(
        mpl.collections.LineCollection(
            [(at[edge.parent], at[edge.child]) for edge in picture.edges],
            colors=[_LIVE if edge.live else _EDGE for edge in picture.edges],
            linewidths=[max(side * (0.15 if edge.live else 0.06), 0.3) for edge in picture.edges],
            zorder=1,
            gid="edges",
        )
    )
    ax.scatter(
        [box.x for box in picture.boxes],
        [box.y for box in picture.boxes],
        s=side**2,
        marker="s",
        zorder=3,
        c=[_LIVE_FILL if box.live else ("#f4f4f4" if box.kind != "entry" else "white") for box in picture.boxes],
        edgecolors=[_LIVE if box.live else _BORDER for box in picture.boxes],
        linewidths=max(side * 0.06, 0.2),
        gid="boxes",
    )


def _fit(mpl: Any, ax: Axes, boxes: list, edges: list, sizes: list[tuple[float, float]]) -> None:
    """Shrink every label alike until each box fits its slot and its level; ``sizes`` are
    the boxes' sizes at the normal font size.

    Below about one pixel per em a renderer stops making text smaller; there the shrinking
    stops too, and boxes of a tree far too big for its axes may touch.
    """
    # Measuring a label is most of the cost of a drawing. Text shrinks almost in proportion
    # to its font size, so the boxes widest and tallest at full size stay the widest and
    # tallest: only they are measured again.
    by_width = sorted(range(len(boxes)), key=lambda i: sizes[i][0])[-_MEASURED:]
    by_height = sorted(range(len(boxes)), key=lambda i: sizes[i][1])[-_MEASURED:]
    biggest = [boxes[i][0] for i in sorted({*by_width, *by_height})]
    size, before, need = _FONT_SIZE, None, (max(w for w, _ in sizes), max(h for _, h in sizes))
    for _ in range(8):  # text width is not exactly linear in the font size: measure again
        scale = _scale(ax, need)
        if scale >= 1 or need == before:
            return
        size, before = size * scale * 0.97, need
        _style(mpl, boxes, edges, size)
        widths, heights = zip(*(_box_size(text) for text in biggest))
        need = (max(widths), max(heights))
