"""The tree of a thread as text for a terminal: one line per entry, the live path marked,
lines cut to the terminal's width.

The text is the one :func:`networkx.generate_network_text` writes for the graph of
:mod:`threadtree.graph` (whose ``collapse_chains`` and ``without_hidden`` prepare it): a healthy
tree (a forest) is drawn by this module's own walk of it, which writes the same lines several
times faster; a damaged file's graph (a cycle, two parents) by networkx itself. Widths
are counted in terminal columns, not characters: CJK and most emoji take two, combining marks
none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import _lazy
from .errors import InvalidInput
from .graph import _ascii, _head, _label, collapse_chains, node_order, preview, roots

if TYPE_CHECKING:
    import networkx as nx
else:
    nx = _lazy.module("networkx")  # imported at first use: `import threadtree` stays fast

__all__ = ["columns", "fit", "fitted_preview", "render_tree", "tree_lines"]


def _char_columns(char: str) -> int:
    """Terminal columns of one character: 0 for combining marks and format characters (a
    zero-width joiner), 2 for East Asian wide and full-width ones (CJK, most emoji), else 1."""
    if char < "\u0300":
        return 1
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def columns(text: str) -> int:
    """How many terminal columns ``text`` (one line, no control characters) takes."""
    if text.isascii():
        return len(text)
    width = len(text)
    for char in set(text):  # each distinct character once; counting is C-speed
        if char >= "\u0300" and (extra := _char_columns(char) - 1):
            width += extra * text.count(char)
    return width


def fit(text: str, width: int, *, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` terminal columns, an ellipsis marking a cut (wide
    characters count two columns, combining marks none)."""
    if columns(text) <= width:
        return text
    budget = width - columns(ellipsis)
    if budget <= 0:
        return ellipsis[: max(width, 0)]
    kept = text[:budget]
    over = columns(kept) - budget
    while over > 0:  # wide characters: each cut of (over + 1) // 2 characters removes at most `over` columns
        kept = kept[: len(kept) - (over + 1) // 2]
        over = columns(kept) - budget
    if over < 0 and len(kept) < len(text):  # zero-width characters: fill up one at a time
        used = budget + over
        for char in text[len(kept) :]:
            used += _char_columns(char)
            if used > budget:
                break
            kept += char
    return kept.rstrip() + ellipsis


def fitted_preview(content: str, width: int, *, ascii_only: bool = False) -> str:
    """The :func:`preview` of ``content`` that fits ``width`` terminal columns (``""`` below
    5 columns: too little to read); with ``ascii_only``, escaped to ASCII first."""
    if width < 5:
        return ""
    line = preview(content, width * 2)  # combining marks take no column: read enough text
    return fit(_ascii(line), width, ellipsis="...") if ascii_only else fit(line, width)


# -- the tree --

# The characters of write_network_text's drawing that a line holding no entry is made of: a
# lone "╽" between two entries of a chain, a "│" carrying a branch past it.
_SPACER = " │╎╽|:!"
_TOKEN = "\x00"  # ends each label handed to networkx, followed by the node's index

# networkx's glyphs (readwrite/text.py), in the order _forest_lines takes them: a tree of the
# forest that is not / is the last, what runs beside the trees below it, a child that is not /
# is the last, what runs beside its siblings, and the edge between two entries of a chain.
_UTF = ("╟── ", "╙── ", "╎   ", "    ", "├─╼ ", "└─╼ ", "│   ", "╽")
_ASCII = ("+-- ", "+-- ", ":   ", "    ", "|-> ", "L-> ", "|   ", "!")


def _forest_roots(graph: nx.DiGraph) -> tuple[list, dict] | None:
    """The roots of ``graph`` in id order and its children by node (networkx's own dicts,
    read through no view) when it is a forest: every node has at most one parent and a root
    above it. ``None`` otherwise: a damaged file's graph, drawn by networkx."""
    succ = dict(graph.adjacency())
    below: set = set()
    for children in succ.values():
        below.update(children)
    found = [node for node in succ if node not in below]
    if sum(map(len, succ.values())) != len(succ) - len(found):
        return None  # a node with two parents
    reached, stack = 0, list(found)
    while stack:  # a cycle hangs under no root: fewer nodes reached than there are
        node = stack.pop()
        reached += 1
        stack.extend(succ[node])
    if reached != len(succ):
        return None
    found.sort(key=node_order)
    return found, succ


def _forest_lines(forest: tuple[list, dict], max_depth: int | None, ascii_only: bool) -> Iterator[tuple]:
    """(prefix, node) for each line :func:`networkx.generate_network_text` writes for a forest
    with ``vertical_chains=True``, where every node is drawn once and has no other parent to
    name: ``node`` is ``None`` for the edge line between two entries of a chain (the prefix is
    the whole line) and ``...`` where ``max_depth`` cut the tree. The same walk as networkx's
    (a stack of frames; ``level`` is the length of its list of indents, which a chain does not
    grow), without its bookkeeping for nodes reached twice, which a forest has none of."""
    top_mid, top_last, beside_trees, after_trees, mid, last, beside, vertical = _ASCII if ascii_only else _UTF
    sources, succ = forest
    cut = -1 if max_depth is None else max_depth - 1
    stack = [(node, "", 0, k == 0, False) for k, node in enumerate(reversed(sources))]
    pop, push = stack.pop, stack.append
    while stack:
        node, indent, level, is_last, chained = pop()
        if not level:
            prefix, below, below_level = (top_last, after_trees, 1) if is_last else (top_mid, beside_trees, 1)
        elif chained:
            prefix, below, below_level = indent, indent, level
            yield indent + vertical, None
        else:
            prefix = indent + (last if is_last else mid)
            below, below_level = indent + (after_trees if is_last else beside), level + 1
        yield prefix, node
        if node is ...:
            continue
        children = list(succ[node])
        if level == cut and children:
            children = [...]
        one = len(children) == 1
        for k, child in enumerate(reversed(children)):
            push((child, below, below_level, k == 0, one))


def _check_depth(max_depth: Any) -> None:
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1):
        raise InvalidInput(f"max_depth must be an int of at least 1 or None, not {max_depth!r}")


def _drawn(graph: nx.DiGraph, max_depth: int | None, ascii_only: bool) -> Iterator[tuple[str, dict | None, str]]:
    """The lines of the drawing: (line, ``None``, "") for one of drawing only, (prefix and
    :func:`_head`, the node's attributes, the back edges a damaged graph names) for an
    entry's. A forest is drawn by :func:`_forest_lines`; anything else by networkx."""
    forest = _forest_roots(graph)
    if forest is not None:
        nodes = graph.nodes
        for prefix, node in _forest_lines(forest, max_depth, ascii_only):
            if node is None or node is ...:
                yield (prefix if node is None else f"{prefix} ..."), None, ""
            else:
                data = nodes[node]
                yield prefix + _head(node, data), data, ""
        return
    order = list(graph.nodes(data=True))
    labelled = nx.DiGraph()
    labelled.add_nodes_from(
        (node, {"label": f"{_head(node, data)}{_TOKEN}{index}"}) for index, (node, data) in enumerate(order)
    )
    labelled.add_edges_from(graph.edges)
    for line in nx.generate_network_text(
        labelled,
        sources=roots(graph),
        max_depth=max_depth,
        ascii_only=ascii_only,
        vertical_chains=True,
    ):
        start, token, rest = line.partition(_TOKEN)
        if not token:
            yield line, None, ""
        else:
            index, _, suffix = rest.partition(" ")  # a suffix only in a damaged graph (a back edge)
            yield start, order[int(index)][1], suffix


def tree_lines(
    graph: nx.DiGraph,
    *,
    max_depth: int | None = None,
    ascii_only: bool = False,
    collapse: int | None = None,
    width: int | None = None,
    spacers: bool = True,
) -> list[tuple[str, dict | None]]:
    """The lines of :func:`render_tree`, each with the attributes of the node it shows
    (``None`` for a line of drawing only, or the ``...`` of ``max_depth``): what a caller
    needs to colour them."""
    _check_depth(max_depth)
    if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width < 1):
        raise InvalidInput(f"width must be an int of at least 1 or None, not {width!r}")
    if collapse is not None:
        graph = collapse_chains(graph, collapse)
    if not graph:
        return []
    convert = _ascii if ascii_only else str
    lines: list[tuple[str, dict | None]] = []
    for start, data, suffix in _drawn(graph, max_depth, ascii_only):
        if data is None:
            if spacers or start.strip(_SPACER):
                lines.append((convert(start), None))
            continue
        text = convert(start)
        if "collapsed" not in data:
            if width is None:
                text += convert(f": {data['preview']}") if data["preview"] else ""
            else:
                shown = fitted_preview(data["content"], width - columns(text) - 2, ascii_only=ascii_only)
                text += f": {shown}" if shown else ""
        if suffix:
            text += " " + convert(suffix.replace(_TOKEN, " #"))
        lines.append((text, data))
    return lines


def render_tree(
    graph: nx.DiGraph,
    *,
    max_depth: int | None = None,
    ascii_only: bool = False,
    collapse: int | None = None,
    width: int | None = None,
    spacers: bool = True,
) -> str:
    """The tree as text, one line per entry (id, role, preview), the live path marked with
    ``●`` (``*`` with ``ascii_only``), as :func:`networkx.write_network_text` draws it.

    Chains are drawn vertically, so a long conversation does not drift to the right;
    ``collapse=N`` also folds runs of more than N plain chain entries into one line.
    With ``ascii_only`` every character of the result is ASCII (other characters of the
    messages are written as backslash escapes). A hidden entry says ``(hidden)`` after its
    role (:func:`without_hidden` leaves them out).

    :param width: cut each line's preview so that the line fits this many terminal columns
        (wide characters count two); ``None``: the node's ``preview`` (60 characters).
    :param spacers: ``False`` drops the lines that hold no entry (the ``╽`` between two
        entries of a chain): a chain's next entry sits right under the previous one anyway.
    """
    if width is not None or not spacers:
        return "".join(
            text + "\n"
            for text, _ in tree_lines(
                graph,
                max_depth=max_depth,
                ascii_only=ascii_only,
                collapse=collapse,
                width=width,
                spacers=spacers,
            )
        )
    _check_depth(max_depth)
    if collapse is not None:
        graph = collapse_chains(graph, collapse)
    if not graph:
        return ""
    forest = _forest_roots(graph)
    if forest is not None:
        nodes = graph.nodes
        return "".join(
            f"{prefix}\n"
            if node is None
            else f"{prefix} ...\n"
            if node is ...
            else f"{prefix}{_label(node, nodes[node], ascii_only=ascii_only)}\n"
            for prefix, node in _forest_lines(forest, max_depth, ascii_only)
        )
    labelled = nx.DiGraph()  # whole labels, lines as networkx writes them
    labelled.add_nodes_from(
        (node, {"label": _label(node, data, ascii_only=ascii_only)}) for node, data in graph.nodes(data=True)
    )
    labelled.add_edges_from(graph.edges)
    lines: list[str] = []
    nx.write_network_text(
        labelled,
        path=lines.append,
        sources=roots(graph),
        max_depth=max_depth,
        ascii_only=ascii_only,
        end="",
        vertical_chains=True,
    )
    return "\n".join(lines) + "\n"
