"""The ``threadtree`` command line: inspect and steer branches from a terminal.

    threadtree [--db PATH] COMMAND ...

Every command mirrors a Store call. Read commands (threads, show, tree, leaves, diff, check,
export, log, events, checkpoints) open the file read-only and never change it, not even to migrate it; they take
``--json`` for one JSON document on stdout. Write commands print the id they made or moved to.
stdout carries data only; errors are one line on stderr.

A THREAD argument is resolved once, before the command runs, by :meth:`Store.resolve_thread`
(an id, a unique id prefix, a title; ``id:``/``title:`` to say which), so every command takes
the same names. Hidden entries stay out of show, tree and leaves unless ``--all``; lines of
tree, leaves and diff are fitted to the terminal (``$COLUMNS``, else 80 off a terminal).

Exit codes: 0 success; 1 a threadtree error, a database error, or problems found by ``check``;
2 a usage error.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import apsw
import attrs
import orjson

import threadtree

from . import _lazy
from . import graph as _graph
from .errors import InvalidInput, ThreadTreeError
from .graph import preview
from .records import Entry, Thread

formats = _lazy.module("threadtree.formats")  # the readers are imported by the commands that use them

__all__ = ["main"]

# -- output --


class Output:
    """Writes data to stdout, with ANSI colour only on a terminal and never when ``NO_COLOR``
    is set (https://no-color.org)."""

    STYLES = {"dim": "2", "bold": "1", "live": "1;31", "role": "36", "warn": "33"}

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.color = stream.isatty() and not os.environ.get("NO_COLOR")
        self.width = _columns(stream)

    def style(self, text: str, name: str) -> str:
        return f"\x1b[{self.STYLES[name]}m{text}\x1b[0m" if self.color else text

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def json(self, value: Any) -> None:
        self.stream.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n")


def _columns(stream: TextIO) -> int:
    """How wide a line may be: ``$COLUMNS`` when set (as for ``ls`` and git), else the
    terminal's width when ``stream`` is one, else 80 (a pipe, a file, a CI log)."""
    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        pass
    return 80


def _tail(start: str, text: str, width: int) -> str:
    """``": preview-of-text"``, cut so that ``start`` and it fit ``width`` columns; ``""``
    when the text is blank or fewer than 5 columns are left for it."""
    shown = _graph.fitted_preview(text, width - _graph.columns(start) - 2)
    return f": {shown}" if shown else ""


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _entry_json(entry: Entry) -> dict[str, Any]:
    return attrs.asdict(entry)


def _thread_json(thread: Thread) -> dict[str, Any]:
    return attrs.asdict(thread)


def _one_line(text: str, width: int = 60) -> str:
    return preview(text, width)


# -- reading commands --


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
        text = "  ".join(cell.rjust(w) if i in (2, 3) else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths)))
        out.line(out.style(text.rstrip(), "bold") if number == 0 else text.rstrip())
    return 0


def cmd_show(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    if args.entry is None:
        path = store.path(args.thread)
    else:  # any branch, read-only: the path from its root down to ENTRY
        path = store.path_to(args.entry)
        if args.thread is not None and path[-1].thread_id != args.thread:
            raise InvalidInput(f"entry {args.entry} belongs to thread {path[-1].thread_id!r}, not {args.thread!r}")
    if not args.all:
        path = [entry for entry in path if not entry.hidden]
    if args.limit is not None:
        path = path[-args.limit:]
    if args.json:
        out.json([_entry_json(e) for e in path])
        return 0
    for number, entry in enumerate(path):
        if number:
            out.line()
        hidden = " (hidden)" if entry.hidden else ""
        out.line(f"{out.style(f'[{entry.id}]', 'dim')} {out.style(entry.role, 'role')}{out.style(hidden, 'dim')}")
        out.line(out.style(entry.content, "dim") if entry.hidden else entry.content)
    return 0


def cmd_tree(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    graph = store.graph(args.thread)
    if not args.all:
        graph = _graph.without_hidden(graph)
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
                    }
                    for node, data in graph.nodes(data=True)
                ],
            }
        )
        return 0
    lines = _graph.tree_lines(
        graph, max_depth=args.max_depth, ascii_only=args.ascii, collapse=args.collapse, width=out.width, spacers=False,
    )
    marker = "* " if args.ascii else "● "
    for text, data in lines:
        if out.color and data is not None:
            if data.get("hidden"):
                text = out.style(text, "dim")
            elif data.get("current"):
                text = text.replace(marker, out.style(marker, "live"), 1)
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
    ancestor = store.common_ancestor(args.entry_a, args.entry_b)
    cut = 0 if ancestor is None else ancestor.depth + 1
    a_tail = store.path_to(args.entry_a)[cut:]
    b_tail = store.path_to(args.entry_b)[cut:]
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
        out.line(out.style(f"{sign * 3} {entry_id} ({len(tail)} {'entry' if len(tail) == 1 else 'entries'} after it)", "bold"))
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


# chatgpt and openwebui exports are JSON arrays, as the exports of those apps are.
_AS_ARRAY = {"chatgpt": lambda value: [value], "openwebui": lambda value: value}
_WHOLE_FILE = {"jsonl", *_AS_ARRAY}


def cmd_export(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    if args.thread is None and args.format not in _WHOLE_FILE:
        raise InvalidInput(f"--format {args.format} exports one thread: name it (THREAD)")
    if args.format == "dot":
        out.stream.write(store.to_dot(args.thread))
    elif args.format == "mermaid":
        out.stream.write(store.to_mermaid(args.thread))
    elif args.format in _WHOLE_FILE:
        if args.thread is not None:
            ids = [store.get_thread(args.thread).id]
        else:
            ids = [t.id for t in store.list_threads(limit=None, include_archived=True)][::-1]  # oldest first
        if args.format == "jsonl":
            for tid in ids:
                for line in formats.export_thread(store, tid, "jsonl"):
                    out.line(orjson.dumps(line).decode("utf-8"))
        else:
            out.json([doc for tid in ids for doc in _AS_ARRAY[args.format](formats.export_thread(store, tid, args.format))])
    else:
        out.json(formats.export_thread(store, args.thread, args.format))
    return 0


def cmd_import(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    from .formats._progress import ImportProgress

    progress = ImportProgress(sys.stderr, os.path.basename(args.file))  # on a terminal only
    try:
        report = formats.import_file(store, args.file, format=args.format, progress=progress)
    finally:
        progress.close()
    if args.json:
        out.json({"path": report.path, "format": report.format, "outcomes": [attrs.asdict(o) for o in report.outcomes]})
    else:
        for outcome in report.outcomes:
            line = str(outcome)
            out.line(out.style(line, "warn") if outcome.status == "skipped" else line)
            for note in outcome.notes:
                out.line(out.style(f"    note: {note}", "dim"))
        out.line(report.summary())
    return 1 if report.skipped else 0


# -- writing commands --


def _text(args: argparse.Namespace) -> str:
    """The TEXT argument, or stdin for ``-`` or no TEXT (one trailing newline dropped, as the
    shell does for a command's output).

    Empty stdin is refused: under cron or CI a command that meant to pipe a message in and
    piped nothing must not store an empty one. An empty message is asked for as TEXT ``''``;
    with ``--item`` and no TEXT, the content may be empty (the item carries the message)."""
    if args.text is not None and args.text != "-":
        return args.text
    if sys.stdin is None or sys.stdin.isatty():
        if args.text is None and args.item is not None:
            return ""
        raise InvalidInput("no text: give TEXT, or pipe it in with TEXT '-' or no TEXT")
    text = sys.stdin.read()
    text = text[:-1] if text.endswith("\n") else text
    if not text and args.item is None:
        raise InvalidInput("stdin was empty: nothing stored (give TEXT '' to store an empty message on purpose)")
    return text


def _json_text(value: str) -> str:
    """An ``--item`` value, checked when the arguments are parsed: bad JSON is a usage error."""
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    return value


def _item(args: argparse.Namespace) -> Any:
    return None if args.item is None else orjson.loads(args.item)


def cmd_new(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(store.create_thread(args.title, thread_id=args.id).id)
    return 0


def cmd_append(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    kwargs: dict[str, Any] = {"item": _item(args)}
    if args.parent is not None:
        kwargs["parent_id"] = args.parent
    out.line(str(store.append(args.thread, args.role, _text(args), **kwargs).id))
    return 0


def cmd_fork(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(str(store.fork(args.entry, args.role, _text(args), item=_item(args)).id))
    return 0


def cmd_checkout(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(str(store.checkout(args.entry).id))
    return 0


def cmd_rewind(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    path = store.path(args.thread)
    if args.steps > len(path):
        raise InvalidInput(
            f"--steps {args.steps} goes above the root: the live path of thread {args.thread!r} "
            f"has {len(path)} {'entry' if len(path) == 1 else 'entries'}"
        )
    target = path[-1 - args.steps].id if args.steps < len(path) else None
    store.rewind(args.thread, target, expected_leaf_id=path[-1].id if path else None)
    out.line("" if target is None else str(target))
    return 0


def cmd_redo(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    entry = store.redo(args.thread)
    if entry is None:
        print("threadtree: nothing to redo: the leaf is not on the way back from a rewind", file=sys.stderr)
        return 1
    out.line(str(entry.id))
    return 0


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


def _table(out: Output, rows: list[tuple[str, ...]], right: tuple[int, ...] = (), last_width: int = 60) -> None:
    """A header row and data rows as aligned columns (the last one cut at ``last_width``)."""
    rows = [row[:-1] + (_one_line(row[-1], last_width),) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        text = "  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        out.line(out.style(text.rstrip(), "bold") if number == 0 else text.rstrip())


def _compact_json(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _when_seconds(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def cmd_events(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    events = store.events(args.thread, after=args.after, limit=args.limit)
    if args.json:
        out.json([attrs.asdict(event) for event in events])
        return 0
    if events:
        _table(out, [("SEQ", "TIME", "TYPE", "DATA")] + [
            (str(e.seq), _when_seconds(e.created_at), e.type, "" if e.data is None else _compact_json(e.data))
            for e in events
        ], right=(0,))
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
        _table(out, [(" ", "CHECKPOINT", "ENTRY", "PARENT", "SAVED", "STATE")] + [
            (
                "*" if c.checkpoint_id == resume else " ", c.checkpoint_id,
                "" if c.entry_id is None else str(c.entry_id), c.parent_checkpoint_id or "",
                _when_seconds(c.created_at), _compact_json(c.state),
            )
            for c in checkpoints
        ], right=(2,))
    return 0


def cmd_rm(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    thread = args.thread_record
    if not args.yes and sys.stdin is not None and sys.stdin.isatty():
        # Only a person at a terminal is asked; a script's rm goes ahead as it always has.
        title = "" if thread.title is None else f" {thread.title!r}"
        count = thread.entry_count
        print(f"delete thread {thread.id}{title} and its {count} {'entry' if count == 1 else 'entries'}? [y/N] ",
              end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print("threadtree: nothing deleted", file=sys.stderr)
            return 1
    count = store.delete_thread(thread.id)
    print(f"deleted thread {thread.id!r} and its {count} {'entry' if count == 1 else 'entries'}", file=sys.stderr)
    return 0


def cmd_archive(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    store.archive_thread(args.thread)
    return 0


def cmd_unarchive(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    store.unarchive_thread(args.thread)
    return 0


def cmd_demo(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    """A sample conversation with several forks and a rewind."""
    thread = store.create_thread("threadtree demo: planning a trip", metadata={"demo": True})
    tid = thread.id
    store.append(tid, "system", "You are a concise travel assistant.")
    question = store.append(tid, "user", "Where should I go for a week in May?")
    store.append(tid, "assistant", "Lisbon: warm, walkable, not yet crowded.")
    store.append(tid, "user", "What should I eat there?")
    store.append(tid, "assistant", "Pastéis de nata, grilled sardines, and bifanas.")
    kyoto = store.fork(question.id, "assistant", "Kyoto, if you like gardens and temples.")
    store.append(tid, "user", "Is it too crowded in May?")
    crowded = store.append(tid, "assistant", "Golden Week (early May) is busy; go mid-May.")
    store.fork(kyoto.id, "user", "What about cherry blossoms?")
    store.append(tid, "assistant", "They are over by May; early April is the time.")
    store.rewind(tid, crowded.id)  # back to the Kyoto branch that answered the question
    store.append(tid, "user", "Book me something quiet for mid-May.")
    out.line(f"thread {tid} in {store.filename}")
    out.line()
    cmd_tree(store, argparse.Namespace(thread=tid, json=False, max_depth=None, ascii=False, collapse=None, all=False), out)
    out.line()
    out.line(out.style("live path:", "bold"))
    for entry in store.path(tid):
        out.line(f"  {out.style(f'[{entry.id}]', 'dim')} {out.style(entry.role, 'role')}: {entry.content}")
    return 0


# -- the parser --

READ_ONLY = {"threads", "show", "tree", "leaves", "diff", "check", "export", "log", "events", "checkpoints"}  # import writes


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _seq(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a seq is a whole number, not {value!r}") from None


def _entry_id(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an entry id is a whole number, not {value!r}") from None


THREAD = "the thread: its id, a unique id prefix (4+ characters), or its title; id:TEXT or title:TEXT to say which"


class _FormatsEpilog(argparse.RawDescriptionHelpFormatter):
    """Help for ``import``: the formats listed after the options, each with its description.
    Built when help is printed, so that parsing a command line imports no reader."""

    def format_help(self) -> str:
        self.start_section("formats")
        self.add_text("\n".join(f"{m.NAME:<12} {m.DESCRIPTION}" for m in formats.readers()))
        self.end_section()
        return super().format_help()


def parser() -> argparse.ArgumentParser:
    """The argument parser (every command and option carries help text: a test checks it)."""
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS,
        help="the database file (default: $THREADTREE_DB, else threadtree.db in the user data directory)",
    )
    top = argparse.ArgumentParser(
        prog="threadtree",
        description="Inspect and steer branching conversations stored by threadtree.",
        parents=[db],
    )
    top.add_argument("--version", action="version", version=f"threadtree {threadtree.__version__}",
                     help="print the version and exit")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run: Callable[..., int], help: str, *, json: bool = False) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, parents=[db])
        sub.set_defaults(run=run, usage_error=sub.error)
        if json:
            sub.add_argument("--json", action="store_true", help="print one JSON document instead of text")
        return sub

    sub = command("threads", cmd_threads, "list threads, most recently updated first", json=True)
    sub.add_argument("--search", metavar="TEXT", help="only threads whose title contains TEXT (literally)")
    sub.add_argument("--archived", action="store_true", help="include archived threads")
    sub.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N threads (default 50)")

    sub = command("new", cmd_new, "create a thread and print its id")
    sub.add_argument("--title", metavar="T", help="the thread's title")
    sub.add_argument("--id", metavar="ID", help="the thread id to use (default: a generated one)")

    sub = command("show", cmd_show, "print the live path of a thread (or the path to any entry), one block per entry",
                  json=True)
    sub.add_argument("thread", nargs="?", metavar="THREAD", help=THREAD + " (may be left out with --entry)")
    sub.add_argument("-e", "--entry", type=_entry_id, metavar="ENTRY",
                     help="the path from the root down to ENTRY instead, on any branch; the live leaf stays")
    sub.add_argument("--limit", type=_positive, metavar="N", help="only the last N entries")
    sub.add_argument("--all", action="store_true",
                     help="also show hidden entries (system prompts, tool plumbing), dimmed")

    sub = command("tree", cmd_tree, "draw the whole tree of a thread, the live path marked", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--all", action="store_true",
                     help="also draw hidden entries (system prompts, tool plumbing), marked (hidden)")
    sub.add_argument("--max-depth", type=_positive, metavar="N", help="stop N levels below the roots")
    sub.add_argument("--collapse", type=_positive, metavar="N",
                     help="fold linear stretches of more than N entries into one line")
    sub.add_argument("--ascii", action="store_true", help="ASCII only (for terminals without Unicode)")

    sub = command("leaves", cmd_leaves, "list every branch tip (its entry id first), the live one marked *", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--all", action="store_true",
                     help="also list hidden tips (tool plumbing, progress records), marked (hidden)")

    for name, run, help in (
        ("append", cmd_append, "add an entry under the current leaf (or --parent) and print its id"),
        ("fork", cmd_fork, "add a new child of any entry (it becomes the leaf) and print its id"),
    ):
        sub = command(name, run, help)
        if name == "append":
            sub.add_argument("thread", metavar="THREAD", help=THREAD)
        else:
            sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="the entry to fork from")
        sub.add_argument("role", metavar="ROLE", help="who speaks: user, assistant, system, tool, ...")
        sub.add_argument("text", nargs="?", metavar="TEXT",
                         help="the message text; '-' or none: read it from stdin (empty stdin is refused: "
                              "pass '' for an empty message)")
        sub.add_argument("--item", metavar="JSON", type=_json_text,
                         help="a JSON value to keep with the entry (e.g. the full message)")
        if name == "append":
            sub.add_argument("--parent", type=_entry_id, metavar="ENTRY",
                             help="append under this entry instead of the current leaf")

    sub = command("checkout", cmd_checkout, "make an entry the current leaf of its thread (logged as checkout)")
    sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="the entry to move to")

    sub = command("rewind", cmd_rewind, "move the current leaf up the live path and print where it is")
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--steps", type=_positive, default=1, metavar="N", help="how many entries up (default 1)")

    sub = command("redo", cmd_redo, "move the leaf one entry back down toward where the last rewind left; "
                  "print its id (exit 1: nothing to redo)")
    sub.add_argument("thread", metavar="THREAD", help=THREAD)

    sub = command("log", cmd_log, "the moves of a thread's current leaf, newest first", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N moves (default 50)")

    sub = command("events", cmd_events, "a thread's event log, oldest first", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--after", type=_seq, default=-1, metavar="SEQ",
                     help="only events numbered above SEQ (default: all)")
    sub.add_argument("--limit", type=_positive, metavar="N", help="at most N events (default: all)")

    sub = command("checkpoints", cmd_checkpoints,
                  "a thread's checkpoints, newest first; * marks the one load_checkpoint resumes from", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--limit", type=_positive, default=100, metavar="N", help="at most N checkpoints (default 100)")

    sub = command("diff", cmd_diff, "compare two entries: their common ancestor, then each one's own tail", json=True)
    sub.add_argument("entry_a", type=_entry_id, metavar="ENTRY_A", help="one entry")
    sub.add_argument("entry_b", type=_entry_id, metavar="ENTRY_B", help="the other entry")

    sub = command("check", cmd_check, "check the file (or one thread) for damage; exit 1 if any", json=True)
    sub.add_argument("thread", nargs="?", metavar="THREAD", help="only this thread (default: the whole file); " + THREAD)

    sub = command("export", cmd_export, "write a thread (or every thread) out in another format")
    sub.add_argument("thread", nargs="?", metavar="THREAD",
                     help="the thread id; jsonl, chatgpt and openwebui export every thread when it is left out")
    sub.add_argument("--format", required=True, metavar="FORMAT",
                     choices=_lazy.sequence(lambda: [*formats.export_formats(), "dot", "mermaid"]),
                     help="openai / anthropic: the live path as model API input; jsonl: a lossless dump, "
                          "one JSON object a line (restore it with 'import'); chatgpt: conversations.json; "
                          "openwebui: an Open WebUI chat export; dot: Graphviz; mermaid: a Mermaid flowchart")

    sub = command("import", cmd_import, "import conversations from a file (ChatGPT, Claude Code, Open WebUI, ...)",
                  json=True)
    sub.add_argument("file", metavar="FILE", help="the export file")
    sub.add_argument("--format", metavar="FORMAT",
                     choices=_lazy.sequence(lambda: [m.NAME for m in formats.readers()]),
                     help="the file's format, one of those below (default: detected from its content; "
                          "a file that is not of the format named is refused)")
    sub.formatter_class = _FormatsEpilog

    for name, run, help in (
        ("rm", cmd_rm, "delete a thread and all its entries (on a terminal, after asking)"),
        ("archive", cmd_archive, "archive a thread (hidden from 'threads' without --archived)"),
        ("unarchive", cmd_unarchive, "bring an archived thread back"),
    ):
        sub = command(name, run, help)
        sub.add_argument("thread", metavar="THREAD", help=THREAD)
        if name == "rm":
            sub.add_argument("-y", "--yes", action="store_true",
                             help="do not ask (only a terminal is asked: scripts never are)")

    command("demo", cmd_demo, "build a sample branching conversation and show it")
    return top


def _no_database_yet(args: argparse.Namespace) -> bool:
    """Whether this is ``threads`` on a machine where threadtree has not written yet: no
    ``--db``, no ``$THREADTREE_DB``, and no file at the default path. A path someone named is
    different: if nothing is there, it is likely a typo, and that is an error."""
    return (
        args.command == "threads" and getattr(args, "db", None) is None
        and not os.environ.get("THREADTREE_DB") and not threadtree.default_path().exists()
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``threadtree`` and ``python -m threadtree``; returns the exit code."""
    try:
        args = parser().parse_args(argv)
        if args.command == "show" and args.thread is None and args.entry is None:
            args.usage_error("give THREAD (its live path) or --entry ENTRY (the path to that entry)")
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    out = Output(sys.stdout)
    try:
        if _no_database_yet(args):
            if args.json:
                out.json([])
            return 0
        # No --db: None, so that open() applies its default (and creates the data folder).
        with threadtree.open(getattr(args, "db", None), readonly=args.command in READ_ONLY) as store:
            if getattr(args, "thread", None) is not None:  # every THREAD: an id, a prefix or a title
                args.thread_record = store.resolve_thread(args.thread)
                args.thread = args.thread_record.id
            return args.run(store, args, out)
    except BrokenPipeError:  # `threadtree show t | head`: the reader has gone, not an error
        sys.stderr.close()
        return 0
    except (ThreadTreeError, apsw.Error, OSError) as exc:
        kind = "" if isinstance(exc, ThreadTreeError) else f" ({type(exc).__name__})"
        message = " ".join(str(exc).split())  # one line, whatever the message held
        print(f"threadtree: error: {message}{kind}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a value another tool wrote, or a bug: one line, no traceback
        if os.environ.get("THREADTREE_DEBUG"):
            raise
        print(
            f"threadtree: error: unexpected {type(exc).__name__}: {' '.join(str(exc).split())}; if another "
            "tool wrote to this file, run `threadtree check` (THREADTREE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
