"""The tree of a thread as text for a terminal: one line per entry, the live path marked,
lines cut to the terminal's width.

The text is drawn by :func:`networkx.generate_network_text` from the graph of
:mod:`threadtree.graph` (whose ``collapse_chains`` and ``without_hidden`` prepare it). Widths
are counted in terminal columns, not characters: CJK and most emoji take two, combining marks
none.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from . import _lazy
from .errors import InvalidInput
from .graph import _ascii, _head, _label, collapse_chains, preview, roots

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


def _check_depth(max_depth: Any) -> None:
    if max_depth is not None and (isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1):
        raise InvalidInput(f"max_depth must be an int of at least 1 or None, not {max_depth!r}")


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
    order = list(graph.nodes(data=True))
    labelled = nx.DiGraph()
    labelled.add_nodes_from(
        (node, {"label": f"{_head(node, data)}{_TOKEN}{index}"}) for index, (node, data) in enumerate(order)
    )
    labelled.add_edges_from(graph.edges)
    convert = _ascii if ascii_only else str
    lines: list[tuple[str, dict | None]] = []
    for line in nx.generate_network_text(
        labelled,
        sources=roots(graph),
        max_depth=max_depth,
        ascii_only=ascii_only,
        vertical_chains=True,
    ):
        start, token, rest = line.partition(_TOKEN)
        if not token:
            if spacers or line.strip(_SPACER):
                lines.append((convert(line), None))
            continue
        index, _, suffix = rest.partition(" ")  # a suffix only in a damaged graph (a back edge)
        data = order[int(index)][1]
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
    ``●`` (``*`` with ``ascii_only``), via :func:`networkx.write_network_text`.

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
    labelled = nx.DiGraph()  # whole labels, lines as networkx writes them: the fast way
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
