"""Threads as networkx graphs, and the diagrams made from them (DOT, Mermaid).

The graph is built from raw rows (``sql/sqlite/queries/thread_rows.sql``), never from the recursive
queries, so that it can serve as their oracle: parent pointers become edges, leaves are the
nodes without children, the live path is walked up from the current leaf in Python.

Nodes are entry ids. A collapsed graph (:func:`collapse_chains`) also has placeholder nodes,
keyed ``("collapsed", first_hidden_id)``, standing for a run of folded entries. A graph
without its hidden entries (:func:`without_hidden`) links each shown entry to its nearest
shown ancestor.

The tree as text for a terminal (:func:`~threadtree.render.render_tree`, ``tree_lines``, and
the column counting they need) lives in :mod:`threadtree.render`, which builds on this module;
its names are still importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import _lazy
from .errors import InvalidInput, SchemaError

if TYPE_CHECKING:
    import networkx as nx

    from .render import columns, fit, fitted_preview, render_tree, tree_lines
else:
    nx = _lazy.module("networkx")  # imported at first use: `import threadtree` stays fast

__all__ = [
    "build_graph",
    "collapse_chains",
    "columns",
    "fit",
    "fitted_preview",
    "node_order",
    "preview",
    "render_tree",
    "roots",
    "to_dot",
    "to_mermaid",
    "tree_lines",
    "verdict",
    "without_hidden",
]

# Names that moved to threadtree.render, served from here for the code that imports them from
# threadtree.graph. Looked up on first use: render imports this module, not the reverse.
_RENDERED = frozenset({"columns", "fit", "fitted_preview", "render_tree", "tree_lines"})


def __getattr__(name: str) -> Any:
    if name in _RENDERED:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PREVIEW_LENGTH = 60
_CONTROLS_TO_SPACES = {code: " " for code in [*range(32), 127]}


def preview(content: str, length: int = PREVIEW_LENGTH) -> str:
    """The first non-blank line of ``content``, control characters made spaces, cut to
    ``length`` characters (an ellipsis marks a cut)."""
    for line in content.splitlines():
        line = line[: length * 2].translate(_CONTROLS_TO_SPACES).strip()  # C-speed, bounded
        if line:
            return line if len(line) <= length else line[: length - 1].rstrip() + "…"
    return ""


def build_graph(thread: Any, rows: Iterable[tuple]) -> nx.DiGraph:
    """The thread as a DiGraph. ``rows`` are (id, parent_entry_id, role, content, created_at,
    depth, hidden) in id order (``hidden`` may be left out: ``False``); ``thread`` is the
    :class:`Thread` record.

    Node attributes: role, content, preview, depth, created_at, hidden, leaf, current. Graph
    attributes: thread_id, title, current_leaf_id. Edges run parent -> child and are added in
    id order, so siblings keep their order. A parent that is not in the thread (a damaged file)
    gives no edge.
    """
    graph = nx.DiGraph(thread_id=thread.id, title=thread.title, current_leaf_id=thread.current_leaf_id)
    rows = list(rows)
    for entry_id, parent, role, content, *_ in rows:
        if type(role) is not str or type(content) is not str or not (parent is None or type(parent) is int):
            raise SchemaError(
                f"entry {entry_id} of thread {thread.id!r} holds a value of the wrong type (written by "
                "another tool, or damaged): run `threadtree check`"
            )
    ids = {row[0] for row in rows}
    edges = [(row[1], row[0]) for row in rows if row[1] in ids and row[1] != row[0]]
    parents = {parent for parent, _ in edges}
    # Ids alone, then each node's attributes into its dict: given (id, attributes) pairs,
    # networkx raises and catches a TypeError per node to tell them from ids (3x the time).
    graph.add_nodes_from(row[0] for row in rows)
    nodes = graph.nodes
    for entry_id, _, role, content, created_at, depth, *hidden in rows:
        nodes[entry_id].update(
            role=role,
            content=content,
            preview=preview(content),
            depth=depth,
            created_at=created_at,
            hidden=bool(hidden and hidden[0]),
            leaf=entry_id not in parents,
            current=False,
        )
    graph.add_edges_from(edges)  # in id order, as the rows come: siblings keep their order
    step = thread.current_leaf_id
    seen = set()
    while step is not None and step in nodes and step not in seen:  # a cycle cannot trap it
        seen.add(step)
        nodes[step]["current"] = True
        step = next(iter(graph.pred[step]), None)
    return graph


def roots(graph: nx.DiGraph) -> list:
    """Where a drawing starts: the roots in id order, then one node of each part that no root
    reaches (only a damaged file, with a cycle, has such parts)."""
    found = sorted((n for n, degree in graph.in_degree() if degree == 0), key=node_order)
    reached = set(found)
    for root in found:
        reached.update(nx.descendants(graph, root))
    for node in sorted((n for n in graph if n not in reached), key=node_order):
        if node not in reached:
            found.append(node)
            reached.add(node)
            reached.update(nx.descendants(graph, node))
    return found


def node_order(node: Any) -> tuple:
    """Sort key for entry ids and placeholder nodes alike: a placeholder
    ``("collapsed", first_id)`` sorts where its first hidden entry was."""
    return (node[1], 1) if isinstance(node, tuple) else (node, 0)


def collapse_chains(graph: nx.DiGraph, longest: int) -> nx.DiGraph:
    """A copy of ``graph`` in which every run of more than ``longest`` plain chain entries is
    replaced by one placeholder node.

    A plain chain entry has one parent, one child, and a parent with no other child: what
    lies strictly inside a linear stretch of conversation. Roots, branch points, the first
    entry of each branch, leaves and the current leaf always stay. A placeholder's attributes:
    ``collapsed`` (how many entries it stands for), ``first`` and ``last`` (their ids),
    ``current`` (whether the live path runs through it), ``depth`` (of the first), and a
    ``preview`` such as ``"120 entries: 17 … 136"`` (first and last id: other branches may
    hold the ids between).
    """
    if isinstance(longest, bool) or not isinstance(longest, int) or longest < 1:
        raise InvalidInput(f"collapse must be an int of at least 1, not {longest!r}")
    current_leaf = graph.graph.get("current_leaf_id")
    succ, pred = graph.succ, graph.pred

    def plain(node: Any) -> bool:
        if len(succ[node]) != 1 or len(pred[node]) != 1 or node == current_leaf:
            return False
        (parent,) = pred[node]
        return len(succ[parent]) == 1

    result = graph.copy()
    for node in sorted(graph, key=node_order):
        if not plain(node):
            continue
        (parent,) = pred[node]
        if plain(parent):
            continue  # not the start of a run
        run, seen = [node], {node}
        while True:
            (child,) = succ[run[-1]]
            if not plain(child) or child in seen:  # a set: a run can be 100,000 long
                break
            run.append(child)
            seen.add(child)
        if len(run) <= longest:
            continue
        key = ("collapsed", run[0])
        (after,) = succ[run[-1]]
        result.remove_nodes_from(run)
        result.add_node(
            key,
            role="…",
            content="",
            preview=f"{len(run)} entries: {run[0]} … {run[-1]}",
            depth=graph.nodes[run[0]].get("depth"),
            created_at=graph.nodes[run[0]].get("created_at"),
            leaf=False,
            current=any(graph.nodes[n].get("current") for n in run),
            collapsed=len(run),
            first=run[0],
            last=run[-1],
        )
        result.add_edge(parent, key)
        result.add_edge(key, after)
    return _reordered(result)


def _reordered(graph: nx.DiGraph) -> nx.DiGraph:
    """The same graph with nodes and each node's edges in id order (placeholders sit where
    their first folded entry was), so that sibling order survives the edits."""
    ordered = nx.DiGraph(**graph.graph)
    ordered.add_nodes_from(sorted(graph.nodes(data=True), key=lambda item: node_order(item[0])))
    ordered.add_edges_from(sorted(graph.edges, key=lambda edge: (node_order(edge[0]), node_order(edge[1]))))
    return ordered


def without_hidden(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``graph`` without its hidden entries (system prompts, tool plumbing, progress
    records): each shown entry hangs under its nearest shown ancestor, and ``leaf`` is
    recomputed, so a branch that ends in plumbing ends at its last shown entry. The graph's
    ``current_leaf_id`` becomes the last shown entry of the live path (``None`` if none)."""
    nodes, pred = graph.nodes, graph.pred
    if not any(data.get("hidden") for _, data in graph.nodes(data=True)):
        return graph.copy()  # the common case, and already in order
    anchor: dict[Any, Any] = {}  # hidden entry -> its nearest shown ancestor (None: none)

    def shown_above(node: Any) -> Any:
        walked, seen = [], set()
        step = next(iter(pred[node]), None)
        while step is not None and nodes[step].get("hidden") and step not in seen:  # a cycle cannot trap it
            if step in anchor:
                step = anchor[step]
                break
            walked.append(step)
            seen.add(step)
            step = next(iter(pred[step]), None)
        if step is not None and nodes[step].get("hidden"):
            step = None
        for hidden in walked:
            anchor[hidden] = step
        return step

    result = nx.DiGraph(**graph.graph)
    shown = [node for node in sorted(graph, key=node_order) if not nodes[node].get("hidden")]
    result.add_nodes_from((node, dict(nodes[node])) for node in shown)
    result.add_edges_from((parent, node) for node in shown if (parent := shown_above(node)) is not None)
    for node in shown:
        result.nodes[node]["leaf"] = not result.succ[node]
    current = graph.graph.get("current_leaf_id")
    if current in nodes and nodes[current].get("hidden"):
        result.graph["current_leaf_id"] = shown_above(current)
    return _reordered(result)


# -- labels --


def _ascii(text: str) -> str:
    return text.replace("…", "...").replace("●", "*").encode("ascii", "backslashreplace").decode("ascii")


def verdict(judged: dict) -> str:
    """How a candidate of a run's decision is marked: ``[won 0.92]`` (the first selected),
    ``[chosen #2 0.8]`` (selected after it), ``[lost 0.41]``; ``, failed`` when the judge
    failed it."""
    rank = judged["rank"]
    word = "won" if rank == 0 else "lost" if rank is None else f"chosen #{rank + 1}"
    failed = ", failed" if judged["passed"] is False else ""
    return f"[{word} {judged['score']:.3g}{failed}]"


def _head(node: Any, data: dict, *, marker: bool = True) -> str:
    """What starts a node's label: the live path marker, then ``id role`` (``(hidden)`` after
    the role of a hidden entry, the :func:`verdict` of a judged candidate), or ``… N entries:
    a … b`` for a placeholder."""
    if "collapsed" in data:
        head = f"… {data['preview']}"
    else:
        role = data["role"].translate(_CONTROLS_TO_SPACES)  # a NUL or a line break would break the lines
        head = f"{node} {role}{' (hidden)' if data.get('hidden') else ''}"
        if data.get("judged"):
            head += " " + verdict(data["judged"])
    if marker:
        head = ("● " if data.get("current") else "  ") + head
    return head


def _label(node: Any, data: dict, *, ascii_only: bool = False, marker: bool = True) -> str:
    """``id role: preview`` (``… N entries: a … b`` for a placeholder), with the live path
    marked by a leading ``●`` (``*``) when ``marker``."""
    label = _head(node, data, marker=marker)
    if "collapsed" not in data and data["preview"]:
        label += f": {data['preview']}"
    return _ascii(label) if ascii_only else label


# -- diagrams --

_LIVE = "#d62728"


def _dot_string(text: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, no raw line breaks."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return f'"{text}"'


def _node_id(node: Any) -> str:
    return f"c{node[1]}" if isinstance(node, tuple) else f"e{node}"


def to_dot(graph: nx.DiGraph, *, collapse: int | None = None) -> str:
    """Graphviz DOT text: boxes labelled ``id role: preview`` top-down, the live path in red
    with thicker edges, leaves with a double border."""
    if collapse is not None:
        graph = collapse_chains(graph, collapse)
    title = graph.graph.get("title") or graph.graph.get("thread_id") or ""
    lines = [
        f"digraph {_dot_string(str(graph.graph.get('thread_id', 'thread')))} {{",
        f'  graph [label={_dot_string(str(title))}, labelloc=t, rankdir=TB, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
    ]
    for node, data in graph.nodes(data=True):
        attrs = [f"label={_dot_string(_label(node, data, marker=False))}"]
        if data.get("current"):
            attrs += [f'color="{_LIVE}"', "penwidth=2.5", 'fillcolor="#fde0dc"']
        if data.get("leaf"):
            attrs.append("peripheries=2")
        if "collapsed" in data:
            attrs.append('style="dashed,rounded"')
        lines.append(f"  {_node_id(node)} [{', '.join(attrs)}];")
    for parent, child in graph.edges:
        live = graph.nodes[parent].get("current") and graph.nodes[child].get("current")
        style = f' [color="{_LIVE}", penwidth=2.5]' if live else ""
        lines.append(f"  {_node_id(parent)} -> {_node_id(child)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# Characters that mean something to Mermaid or to the HTML it renders labels into; written as
# its entity codes (#35; is '#', so no user text can ever start an entity of its own).
_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}


def _mermaid_string(text: str) -> str:
    text = "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text)
    return '"' + " ".join(text.splitlines()) + '"'


def to_mermaid(graph: nx.DiGraph, *, collapse: int | None = None) -> str:
    """Mermaid flowchart text (top-down): the same boxes, the live path styled in red."""
    if collapse is not None:
        graph = collapse_chains(graph, collapse)
    lines = ["flowchart TD"]
    for node, data in graph.nodes(data=True):
        label = _mermaid_string(_label(node, data, marker=False))
        shape = f"({label})" if data.get("leaf") else f"[{label}]"
        lines.append(f"  {_node_id(node)}{shape}")
    live_edges = []
    for index, (parent, child) in enumerate(graph.edges):
        lines.append(f"  {_node_id(parent)} --> {_node_id(child)}")
        if graph.nodes[parent].get("current") and graph.nodes[child].get("current"):
            live_edges.append(str(index))
    live = [_node_id(n) for n, data in graph.nodes(data=True) if data.get("current")]
    if live:
        lines.append(f"  classDef live stroke:{_LIVE},stroke-width:3px,fill:#fde0dc")
        lines.append(f"  class {','.join(live)} live")
    if live_edges:
        lines.append(f"  linkStyle {','.join(live_edges)} stroke:{_LIVE},stroke-width:3px")
    return "\n".join(lines) + "\n"
