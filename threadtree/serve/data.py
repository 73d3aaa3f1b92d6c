"""What the viewer's JSON endpoints answer, built from the Store's public calls only.

Each function takes an open :class:`threadtree.Store` and returns plain JSON-able values
(dicts, lists, numbers, strings), so it can be tested without a server. Nothing here escapes
text: the page puts every string into the DOM as text (``textContent``), never as markup.

A big thread is never read whole to open it: the reader gets a page of its path
(:data:`PAGE` entries, more on request), and the tree is the whole thread only up to
:data:`WHOLE_TREE` entries; above that it is a *window*: the path above the entry looked at,
the siblings at each branch point of it and that entry's children, laid out by the same
:func:`threadtree.lanes.plan` as :func:`threadtree.draw`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

    from ..lanes import Plan
    from ..navigation import BranchPoint
    from ..records import Entry, Thread
    from ..store import Store

__all__ = ["PAGE", "WHOLE_TREE", "compare", "entry", "path", "search", "thread", "threads", "tree", "version"]

PAGE = 200  # entries of a path a page shows at once
WHOLE_TREE = 3000  # threads up to this many entries are drawn whole; bigger ones as a window
THREADS_PAGE = 50
PREVIEW = 80  # characters of a box's preview


def thread_json(t: Thread) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "archived": t.archived,
        "current_leaf_id": t.current_leaf_id,
        "entry_count": t.entry_count,
        "leaf_count": t.leaf_count,
        "origin_thread_id": t.origin_thread_id,
        "origin_entry_id": t.origin_entry_id,
        "source_format": t.source_format,
    }


def entry_json(e: Entry, *, full: bool = True) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": e.id,
        "thread_id": e.thread_id,
        "parent_id": e.parent_id,
        "role": e.role,
        "content": e.content,
        "depth": e.depth,
        "hidden": e.hidden,
        "created_at": e.created_at,
        "merged_from": e.merged_from,
    }
    if full:
        found.update(item=e.item, usage=e.usage, source_id=e.source_id)
    return found


def threads(store: Store, *, search: str | None = None, offset: int = 0, archived: bool = False) -> dict[str, Any]:
    """A page of the thread list, most recently updated first; ``more`` says whether a next
    page exists (one thread more is read to know, instead of counting them all)."""
    found = store.list_threads(limit=THREADS_PAGE + 1, offset=offset, search=search or None, include_archived=archived)
    return {
        "threads": [thread_json(t) for t in found[:THREADS_PAGE]],
        "offset": offset,
        "more": len(found) > THREADS_PAGE,
    }


def counted(store: Store, thread_id: str) -> Thread:
    """The thread with its ``entry_count`` and ``leaf_count``, which only ``list_threads``
    gives: a listing narrowed to its creation time, so it walks a few index rows, not the
    threads."""
    t = store.get_thread(thread_id)
    near = store.list_threads(
        limit=20,
        include_archived=True,
        created_after=t.created_at - 1e-6,
        created_before=t.created_at + 1e-6,
        order_by="created_at",
    )
    return next((found for found in near if found.id == t.id), t)


def thread(store: Store, thread_id: str) -> dict[str, Any]:
    """A thread's record (with its counts) and its labels."""
    t = counted(store, thread_id)
    labels = [{"name": label.name, "entry_id": label.entry_id} for label in store.labels(t.id)]
    return {"thread": thread_json(t), "labels": labels}


def version(store: Store, thread_id: str | None) -> dict[str, Any]:
    """What changes when anyone writes to the thread (or, without one, to the first page of
    the list): the page polls it and reloads what it shows when it differs."""
    if thread_id is None:
        first = store.list_threads(limit=1)
        return {"version": [first[0].id, first[0].updated_at] if first else None}
    t = store.get_thread(thread_id)
    return {"version": [t.updated_at, t.current_leaf_id, t.entry_count, t.leaf_count]}


def _positions(points: list[BranchPoint]) -> dict[int, dict[str, Any]]:
    """Per entry with siblings: its "2 of 3" and its previous and next sibling (not all the
    sibling ids: a fan-out of 100,000 would make every page heavy)."""
    found = {}
    for p in points:
        ids = p.sibling_ids
        found[p.entry_id] = {
            "position": p.position,
            "count": p.count,
            "previous": ids[p.position - 2] if p.position > 1 else None,
            "next": ids[p.position] if p.position < p.count else None,
        }
    return found


def path(store: Store, thread_id: str, *, to: int | None = None, before: int | None = None) -> dict[str, Any]:
    """A page of the path from the root down to ``to`` (default: the live path), the last
    :data:`PAGE` entries above ``before`` (default: the bottom), each with its branch
    position; ``more_above`` when the root is not in the page."""
    t = store.get_thread(thread_id)
    tip = t.current_leaf_id if to is None else to
    if tip is None:
        return {"thread_id": t.id, "tip": None, "entries": [], "more_above": False, "current_leaf_id": None}
    entries = store.path_to(tip, limit=PAGE, before=before)
    if entries and entries[0].thread_id != t.id:
        from ..errors import InvalidInput

        raise InvalidInput(f"entry {tip} belongs to thread {entries[0].thread_id!r}, not {t.id!r}")
    positions = _positions(store.branch_points(t.id, entry_id=tip))
    labels: dict[int, list[str]] = {}
    for label in store.labels(t.id):
        labels.setdefault(label.entry_id, []).append(label.name)
    return {
        "thread_id": t.id,
        "tip": tip,
        "current_leaf_id": t.current_leaf_id,
        "more_above": bool(entries) and entries[0].parent_id is not None,
        "entries": [
            {**entry_json(e, full=False), "branch": positions.get(e.id), "labels": labels.get(e.id, [])}
            for e in entries
        ],
    }


def entry(store: Store, entry_id: int) -> dict[str, Any]:
    """One entry in full: its item, usage and times, its labels, its "2 of 3" position, its
    children (the first :data:`PAGE`) and the tool calls recorded for it."""
    e = store.get_entry(entry_id)
    points = store.branch_points(e.thread_id, entry_id=e.id)
    position = _positions([p for p in points if p.entry_id == e.id]).get(e.id)
    children = store.children(e.id)
    calls = [
        {
            "call_id": c.call_id,
            "name": c.name,
            "parameters": c.parameters,
            "status": c.status,
            "result": c.result,
            "error": c.error,
        }
        for c in store.tool_calls(e.thread_id)
        if c.entry_id == e.id
    ]
    return {
        "entry": entry_json(e),
        "branch": position,
        "labels": [label.name for label in store.labels(e.thread_id) if label.entry_id == e.id],
        "children": [{"id": c.id, "role": c.role, "preview": _preview(c.content)} for c in children[:PAGE]],
        "child_count": len(children),
        "tool_calls": calls,
    }


def search(store: Store, query: str, *, thread_id: str | None = None, limit: int = 20) -> dict[str, Any]:
    """Search hits with the snippet's marked parts as offsets (the page draws them as text)."""
    hits = store.search(query, thread_id=thread_id, limit=limit)
    return {
        "hits": [
            {
                "entry": entry_json(h.entry, full=False),
                "snippet": h.snippet,
                "on_live_path": h.on_live_path,
            }
            for h in hits
        ]
    }


def compare(store: Store, a: int, b: int) -> dict[str, Any]:
    """Two entries side by side below their common ancestor."""
    c = store.compare(a, b)
    return {
        "ancestor": None if c.ancestor is None else entry_json(c.ancestor, full=False),
        "a": [entry_json(e, full=False) for e in c.a],
        "b": [entry_json(e, full=False) for e in c.b],
    }


def _preview(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= PREVIEW else line[: PREVIEW - 1] + "…"


def tree(
    store: Store,
    thread_id: str,
    *,
    around: int | None = None,
    collapse: int | None = 3,
    hidden: bool = False,
    closed: Collection[int] = (),
) -> dict[str, Any]:
    """The tree as boxes in lanes and levels (:func:`threadtree.lanes.plan`): the whole
    thread up to :data:`WHOLE_TREE` entries, else the window around ``around`` (default: the
    current leaf). Hidden entries are left out (each shown entry under its nearest shown
    ancestor) unless ``hidden``. The entries of ``closed`` are drawn without what lies below
    them (their box says how many entries that is), and the rest is laid out without it."""
    from ..graph import without_hidden
    from ..lanes import plan

    t = counted(store, thread_id)
    whole = (t.entry_count or 0) <= WHOLE_TREE
    if whole:
        graph = store.graph(t.id)
        above = 0
    else:
        graph, above = _window(store, t, around if around is not None else t.current_leaf_id)
    if not hidden:
        graph = without_hidden(graph)
    below = _close(graph, closed)
    picture = plan(graph, collapse=collapse, fold=3)
    return {"thread_id": t.id, "whole": whole, "above": above, **_plan_json(picture, below)}


def _close(graph: Any, closed: Collection[int]) -> dict[int, int]:
    """Take what lies below each entry of ``closed`` out of ``graph`` (an entry below another
    closed one counts with the upper); return how many entries each closed one hides."""
    import networkx as nx

    below: dict[int, int] = {}
    for node in sorted((n for n in closed if n in graph), key=lambda n: graph.nodes[n].get("depth") or 0):
        if node not in graph:  # below an entry closed before it
            continue
        hidden = nx.descendants(graph, node)
        if hidden:
            graph.remove_nodes_from(hidden)
            below[node] = len(hidden)
    return below


def _window(store: Store, t: Thread, around: int | None) -> tuple[Any, int]:
    """A small graph shaped like :meth:`Store.graph`'s: the last :data:`PAGE` entries of the
    path to ``around``, the siblings at its branch points (first and last few of a fan-out,
    which is all the plan draws) and ``around``'s children."""
    import networkx as nx

    graph = nx.DiGraph(thread_id=t.id, title=t.title, current_leaf_id=t.current_leaf_id)
    if around is None:
        return graph, 0
    live = set()
    if t.current_leaf_id is not None:
        live = {e.id for e in store.path_to(t.current_leaf_id, limit=PAGE, before=None)}
    entries = store.path_to(around, limit=PAGE)
    ids = {e.id for e in entries}

    def add(e: Entry) -> None:
        graph.add_node(e.id, **_node(e, e.id in live))
        if e.parent_id is not None and (e.parent_id in graph or e.parent_id in ids):
            graph.add_edge(e.parent_id, e.id)

    for e in entries:
        add(e)
    for point in store.branch_points(t.id, entry_id=around):
        if point.entry_id not in ids:
            continue
        # Read the siblings the plan draws (first and last few); the others stay bare nodes
        # that the plan folds into one "… N more" box, read from the id list alone.
        siblings = point.sibling_ids
        shown = set(siblings[:3] + siblings[-3:]) if len(siblings) > 7 else set(siblings)
        for sid in siblings:
            if sid in graph:
                continue
            if sid in shown:
                add(store.get_entry(sid))
            else:
                graph.add_node(sid, role="", content="", preview="", depth=None, hidden=False, current=False)
                if point.parent_id is not None:
                    graph.add_edge(point.parent_id, sid)
    for child in store.children(around)[:7]:
        add(child)
    return graph, entries[0].depth if entries else 0


def _node(e: Entry, current: bool) -> dict[str, Any]:
    return {
        "role": e.role,
        "content": e.content,
        "preview": _preview(e.content),
        "depth": e.depth,
        "created_at": e.created_at,
        "hidden": e.hidden,
        "leaf": False,
        "current": current,
    }


def _plan_json(picture: Plan, below: dict[int, int] | None = None) -> dict[str, Any]:
    def key(node: Any) -> str:
        return str(node) if not isinstance(node, tuple) else f"{node[0]}-{node[1]}"

    boxes = []
    for box in picture.boxes:
        d = box.data
        found: dict[str, Any] = {"key": key(box.node), "x": box.x, "y": box.y, "live": box.live, "tip": box.tip}
        found["kind"] = box.kind
        if box.kind == "entry":
            found.update(id=box.node, role=d.get("role"), preview=_preview(d.get("content") or d.get("preview") or ""))
            found["hidden"] = bool(d.get("hidden"))
            found["closed"] = (below or {}).get(box.node, 0)
        elif box.kind == "run":
            found.update(id=d.get("first"), count=d.get("collapsed"), first=d.get("first"), last=d.get("last"))
        else:
            found.update(id=d.get("first"), count=d.get("more"), entries=d.get("entries"), first=d.get("first"))
        boxes.append(found)
    edges = [{"from": key(e.parent), "to": key(e.child), "live": e.live} for e in picture.edges]
    return {"boxes": boxes, "edges": edges, "lanes": picture.lanes, "levels": picture.levels}
