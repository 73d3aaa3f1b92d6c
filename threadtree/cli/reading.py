"""The commands that read: threads, show, tree, leaves, diff, check, log, events, checkpoints,
runs.

They run on a store opened read-only (``READ_ONLY`` in :mod:`threadtree.cli`) and never
change the file; each takes ``--json`` for one JSON document on stdout."""

from __future__ import annotations

import argparse

import attrs

import threadtree

from ..errors import InvalidInput
from ..graph import verdict, without_hidden
from ..records import RunTrace, Thread
from ..render import fit, tree_lines
from .output import Output, _compact_json, _entry_json, _table, _tail, _thread_json, _when, _when_seconds

__all__ = [
    "cmd_check",
    "cmd_checkpoints",
    "cmd_diff",
    "cmd_events",
    "cmd_leaves",
    "cmd_log",
    "cmd_runs",
    "cmd_show",
    "cmd_threads",
    "cmd_tree",
]


def cmd_threads(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    threads = store.list_threads(limit=args.limit, search=args.search, include_archived=args.archived)
    # LEAVES counts the branches `leaves` lists: hidden tips (tool plumbing, progress records)
    # left out. Thread.leaf_count counts every tip (an index count); this is a query a thread.
    shown = [len(store.leaves(t.id, include_hidden=False)) if t.leaf_count else 0 for t in threads]
    if args.json:
        out.json([_thread_json(t) | {"visible_leaf_count": k} for t, k in zip(threads, shown)])
        return 0
    if not threads:
        return 0
    rows = [("ID", "TITLE", "ENTRIES", "LEAVES", "UPDATED")] + [
        (t.id, (t.title or "") + (" (archived)" if t.archived else ""), str(t.entry_count), str(k), _when(t.updated_at))
        for t, k in zip(threads, shown)
    ]
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(5)]
    for number, row in enumerate(rows):
        cells = [cell if len(cell) <= w else cell[: w - 1] + "…" for cell, w in zip(row, widths)]
        text = "  ".join(
            cell.rjust(w) if i in (2, 3) else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths))
        )
        out.line(out.style(text.rstrip(), "bold") if number == 0 else text.rstrip())
    return 0


def cmd_show(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    if args.entry is None and args.before is None:
        path = store.path(args.thread)
    elif args.entry is None:  # a page of the live path, above --before
        path = store.path(args.thread, before=args.before)
    else:  # any branch, read-only: the path from its root down to ENTRY
        path = store.path_to(args.entry, before=args.before)
        if args.thread is not None and path and path[-1].thread_id != args.thread:
            raise InvalidInput(f"entry {args.entry} belongs to thread {path[-1].thread_id!r}, not {args.thread!r}")
    if not args.all:
        path = [entry for entry in path if not entry.hidden]
    if args.limit is not None:
        path = path[-args.limit :]
    tid = path[-1].thread_id if path else args.thread
    # "< 2/3 >" where the path could have gone otherwise (switch ENTRY goes there), and labels.
    points = {p.entry_id: p for p in store.branch_points(tid, entry_id=path[-1].id)} if path else {}
    names: dict[int, list[str]] = {}
    for label in store.labels(tid) if path else []:
        names.setdefault(label.entry_id, []).append(label.name)
    if args.json:
        out.json(
            [
                _entry_json(e)
                | {"branch": attrs.asdict(points[e.id]) if e.id in points else None, "labels": names.get(e.id, [])}
                for e in path
            ]
        )
        return 0
    for number, entry in enumerate(path):
        if number:
            out.line()
        hidden = " (hidden)" if entry.hidden else ""
        point = points.get(entry.id)
        marks = f"  < {point.position}/{point.count} >" if point else ""
        marks += "".join(f"  #{name}" for name in names.get(entry.id, []))
        marks += "" if entry.merged_from is None else f"  merged from {entry.merged_from}"
        out.line(
            f"{out.style(f'[{entry.id}]', 'dim')} {out.style(entry.role, 'role')}{out.style(hidden, 'dim')}"
            + out.style(marks, "bold")
        )
        out.line(out.style(entry.content, "dim") if entry.hidden else entry.content)
    return 0


def cmd_tree(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    graph = store.graph(args.thread)
    if not args.all:
        graph = without_hidden(graph)
    if args.json:
        out.json(
            {
                "thread_id": graph.graph["thread_id"],
                "title": graph.graph["title"],
                "current_leaf_id": graph.graph["current_leaf_id"],  # without --all: the last shown of the live path
                "entries": [
                    {
                        "id": node,
                        "parent_id": next(iter(graph.pred[node]), None),  # without --all: the nearest shown
                        "role": data["role"],
                        "preview": data["preview"],
                        "depth": data["depth"],
                        "leaf": data["leaf"],
                        "current": data["current"],
                        "hidden": data["hidden"],
                        "judged": data.get("judged"),  # a candidate of a run's decision, else null
                    }
                    for node, data in graph.nodes(data=True)
                ],
            }
        )
        return 0
    lines = tree_lines(
        graph,
        max_depth=args.max_depth,
        ascii_only=args.ascii,
        collapse=args.collapse,
        width=out.width,
        spacers=False,
    )
    marker = "* " if args.ascii else "● "
    for text, data in lines:
        if out.color and data is not None:
            if data.get("hidden"):
                text = out.style(text, "dim")
            elif data.get("current"):
                text = text.replace(marker, out.style(marker, "live"), 1)
            if data.get("judged") and data["judged"]["rank"] == 0:
                mark = verdict(data["judged"])
                text = text.replace(mark, out.style(mark, "bold"), 1)
        out.line(text)
    return 0


def _shown_leaf(store: threadtree.Store, thread: Thread) -> int | None:
    """The live path's last entry that is not hidden: where the live branch ends as shown."""
    leaf = thread.current_leaf_id
    if leaf is None or not store.get_entry(leaf).hidden:
        return leaf
    return next((e.id for e in reversed(store.path_to(leaf)) if not e.hidden), None)


def cmd_leaves(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    thread = store.get_thread(args.thread)
    live = thread.current_leaf_id if args.all else _shown_leaf(store, thread)
    leaves = store.leaves(args.thread, include_hidden=args.all)
    if args.json:
        out.json([_entry_json(e) | {"live": e.id == live} for e in leaves])
        return 0
    for entry in leaves:
        mark, role = "*" if entry.id == live else " ", entry.role + (" (hidden)" if entry.hidden else "")
        tail = _tail(f"{mark} {entry.id}  depth {entry.depth}  {role}", entry.content, out.width)
        if entry.hidden:
            role, tail = out.style(role, "dim"), out.style(tail, "dim") if tail else tail
        else:
            role = out.style(role, "role")
        mark = out.style(mark, "live") if mark == "*" else mark
        out.line(f"{mark} {entry.id}  {out.style(f'depth {entry.depth}', 'dim')}  {role}{tail}")
    return 0


def cmd_diff(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    comparison = store.compare(args.entry_a, args.entry_b)
    ancestor, a_tail, b_tail = comparison.ancestor, comparison.a, comparison.b
    if args.json:
        out.json(
            {
                "ancestor": None if ancestor is None else _entry_json(ancestor),
                "a": [_entry_json(e) for e in a_tail],
                "b": [_entry_json(e) for e in b_tail],
            }
        )
        return 0
    if ancestor is None:
        out.line("no common ancestor")
    else:
        start = f"common ancestor: {ancestor.id} {ancestor.role}"
        out.line(start + _tail(start, ancestor.content, out.width))
    for sign, entry_id, tail, style in (("-", args.entry_a, a_tail, "warn"), ("+", args.entry_b, b_tail, "role")):
        out.line()
        out.line(
            out.style(
                f"{sign * 3} {entry_id} ({len(tail)} {'entry' if len(tail) == 1 else 'entries'} after it)", "bold"
            )
        )
        for entry in tail:
            start = f"{sign} {entry.id} {entry.role}"
            out.line(out.style(start + _tail(start, entry.content, out.width), style))
    return 0


def cmd_check(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    problems = store.check(args.thread)
    if args.json:
        out.json([attrs.asdict(p) for p in problems])
    elif problems:
        for problem in problems:
            out.line(str(problem))
    else:
        out.line("ok")
    return 1 if problems else 0


def cmd_log(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    history = store.leaf_history(args.thread, limit=args.limit)
    if args.json:
        out.json([attrs.asdict(move) for move in history])
        return 0
    for move in history:
        before = "(empty)" if move.from_entry_id is None else str(move.from_entry_id)
        after = "(empty)" if move.to_entry_id is None else str(move.to_entry_id)
        out.line(f"{out.style(f'#{move.seq}', 'dim')} {_when(move.created_at)}  {move.reason:<13} {before} -> {after}")
    return 0


def cmd_events(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    events = store.events(args.thread, after=args.after, limit=args.limit)
    if args.json:
        out.json([attrs.asdict(event) for event in events])
        return 0
    if events:
        _table(
            out,
            [("SEQ", "TIME", "TYPE", "DATA")]
            + [
                (str(e.seq), _when_seconds(e.created_at), e.type, "" if e.data is None else _compact_json(e.data))
                for e in events
            ],
            right=(0,),
        )
    return 0


def cmd_checkpoints(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    checkpoints = store.list_checkpoints(args.thread, limit=args.limit)
    try:
        resume = store.load_checkpoint(args.thread).checkpoint_id if checkpoints else None
    except threadtree.NotFound:  # none on the live path and none unpinned
        resume = None
    if args.json:
        out.json([attrs.asdict(c) | {"resume": c.checkpoint_id == resume} for c in checkpoints])
        return 0
    if checkpoints:
        _table(
            out,
            [(" ", "CHECKPOINT", "ENTRY", "PARENT", "SAVED", "STATE")]
            + [
                (
                    "*" if c.checkpoint_id == resume else " ",
                    c.checkpoint_id,
                    "" if c.entry_id is None else str(c.entry_id),
                    c.parent_checkpoint_id or "",
                    _when_seconds(c.created_at),
                    _compact_json(c.state),
                )
                for c in checkpoints
            ],
            right=(2,),
        )
    return 0


def cmd_runs(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    found = store.runs(thread_id=args.thread, workflow_id=args.workflow, status=args.status, limit=args.limit)
    traces = [store.get_run(run.run_id) for run in found]
    if args.json:
        out.json([attrs.asdict(trace) for trace in traces])
        return 0
    for number, trace in enumerate(traces):
        if number:
            out.line()
        _run_lines(out, trace, with_thread=args.thread is None)
    return 0


def _run_lines(out: Output, trace: RunTrace, *, with_thread: bool) -> None:
    """One run as a block: the run, then its branch runs, leaf runs and decisions."""
    run = trace.run
    took = "" if run.completed_at is None else f", {run.completed_at - run.started_at:.1f} s"
    head = f"run {run.run_id}  {run.workflow_id}  {run.status}"
    out.line(f"{out.style(head, 'bold')}  {out.style(f'started {_when_seconds(run.started_at)}{took}', 'dim')}")
    facts = [("thread", run.thread_id)] if with_thread else []
    facts += [("goal", run.goal), ("input", run.input_hash or "")]
    facts += [("result", _compact_json(run.result) if run.result is not None else ""), ("error", run.error or "")]
    for name, value in facts:
        if value:
            out.line(_cut(out, f"  {name}: {value}"))
    if trace.branches:
        out.line("  branches (entry, status, outcome):")
        _rows(out, [(_at(b.entry_id), b.status, b.error or _json_or_blank(b.result)) for b in trace.branches])
    if trace.leaf_runs:
        out.line("  leaf runs (task, status, entry, output):")
        _rows(
            out,
            [
                (
                    leaf.leaf_id,
                    leaf.status,
                    _at(leaf.entry_id, leaf.branch_deleted_at),
                    leaf.error or _json_or_blank(leaf.output),
                )
                for leaf in trace.leaf_runs
            ],
        )
    for decision in trace.decisions:
        out.line(f"  decision at {_at(decision.entry_id)}, {_when_seconds(decision.decided_at)} (* won, + chosen):")
        marks = ["*" if c.rank == 0 else "+" if c.rank is not None else " " for c in decision.candidates]
        _rows(
            out,
            [
                (
                    mark,
                    _at(c.entry_id),
                    f"{c.score:.4g}",
                    {True: "passed", False: "failed", None: ""}[c.passed],
                    c.rationale or "",
                )
                for mark, c in zip(marks, decision.candidates)
            ],
            indent="  ",
            live=[c.rank == 0 for c in decision.candidates],
        )


def _rows(out: Output, rows: list[tuple[str, ...]], *, indent: str = "    ", live: list[bool] | None = None) -> None:
    """Aligned columns, each line fitted to the terminal (the last column is cut)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for number, row in enumerate(rows):
        cells = [cell.translate(_CONTROLS) for cell in row]
        line = _cut(out, indent + "  ".join([*(cell.ljust(w) for cell, w in zip(cells, widths)), cells[-1]]))
        out.line(out.style(line, "live") if live and live[number] else line)


def _json_or_blank(value: object) -> str:
    return "" if value is None else _compact_json(value)


def _at(entry_id: int | None, deleted_at: float | None = 0.0) -> str:
    """An entry id, ``deleted`` when its branch was deleted (``-`` for a record that had none)."""
    if entry_id is not None:
        return str(entry_id)
    return "-" if deleted_at is None else "deleted"


_CONTROLS = {code: " " for code in [*range(32), 127]}


def _cut(out: Output, line: str) -> str:
    """One line fitted to the terminal, line breaks and other control characters made spaces."""
    return fit(line.translate(_CONTROLS).rstrip(), out.width)
