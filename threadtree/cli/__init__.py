"""The ``threadtree`` command line: inspect and steer branches from a terminal.

    threadtree [--db PATH] COMMAND ...

Every command mirrors a Store call. Read commands (threads, show, tree, leaves, diff, check,
export, log, events, checkpoints, runs) open the file read-only and never change it, not even to migrate it; they take
``--json`` for one JSON document on stdout. Write commands print the id they made or moved to.
stdout carries data only; errors are one line on stderr.

A THREAD argument is resolved once, before the command runs, by :meth:`Store.resolve_thread`
(an id, a unique id prefix, a title; ``id:``/``title:`` to say which), so every command takes
the same names. Hidden entries stay out of show, tree and leaves unless ``--all``; lines of
tree, leaves and diff are fitted to the terminal (``$COLUMNS``, else 80 off a terminal).

Exit codes: 0 success; 1 a threadtree error, a database error, or problems found by ``check``;
2 a usage error.

This module holds the parser and :func:`main`; the commands are in :mod:`.reading`,
:mod:`.writing`, :mod:`.transfer` (import, export) and :mod:`.copy` (copy-database, which
opens two databases of its own), what they write in :mod:`.output`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import orjson

import threadtree

from .. import _lazy
from .._db import driver_errors
from ..errors import ThreadTreeError
from ..records import RUN_STATUSES
from .copy import NAME as COPY_DATABASE
from .copy import add_copy_database
from .navigate import cmd_copy, cmd_forks, cmd_label, cmd_labels, cmd_merge, cmd_search, cmd_switch, cmd_unlabel
from .output import Output
from .reading import (
    cmd_check,
    cmd_checkpoints,
    cmd_diff,
    cmd_events,
    cmd_leaves,
    cmd_log,
    cmd_runs,
    cmd_show,
    cmd_threads,
    cmd_tree,
)
from .serve import add_serve
from .transfer import _export_choices, _FormatsEpilog, _import_choices, cmd_export, cmd_import
from .writing import (
    cmd_append,
    cmd_archive,
    cmd_checkout,
    cmd_demo,
    cmd_fork,
    cmd_new,
    cmd_redo,
    cmd_rewind,
    cmd_rm,
    cmd_unarchive,
)

__all__ = ["main"]


# -- the parser --

READ_ONLY = {
    "threads",
    "show",
    "tree",
    "leaves",
    "diff",
    "check",
    "export",
    "log",
    "events",
    "checkpoints",
    "search",
    "labels",
    "forks",
    "runs",
    "serve",
}  # import writes; serve --write too


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


def _json_text(value: str) -> str:
    """An ``--item`` value, checked when the arguments are parsed: bad JSON is a usage error."""
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    return value


THREAD = "the thread: its id, a unique id prefix (4+ characters), or its title; id:TEXT or title:TEXT to say which"


def parser() -> argparse.ArgumentParser:
    """The argument parser (every command and option carries help text: a test checks it)."""
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the database file (default: $THREADTREE_DB, else threadtree.db in the user data directory)",
    )
    top = argparse.ArgumentParser(
        prog="threadtree",
        description="Inspect and steer branching conversations stored by threadtree.",
        parents=[db],
    )
    top.add_argument(
        "--version", action="version", version=f"threadtree {threadtree.__version__}", help="print the version and exit"
    )
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

    sub = command(
        "show", cmd_show, "print the live path of a thread (or the path to any entry), one block per entry", json=True
    )
    sub.add_argument("thread", nargs="?", metavar="THREAD", help=THREAD + " (may be left out with --entry)")
    sub.add_argument(
        "-e",
        "--entry",
        type=_entry_id,
        metavar="ENTRY",
        help="the path from the root down to ENTRY instead, on any branch; the live leaf stays",
    )
    sub.add_argument("--limit", type=_positive, metavar="N", help="only the last N entries")
    sub.add_argument(
        "--before",
        type=_entry_id,
        metavar="ENTRY",
        help="page backwards: the entries above ENTRY (the first one of the page you have) instead",
    )
    sub.add_argument(
        "--all", action="store_true", help="also show hidden entries (system prompts, tool plumbing), dimmed"
    )

    sub = command("tree", cmd_tree, "draw the whole tree of a thread, the live path marked", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument(
        "--all", action="store_true", help="also draw hidden entries (system prompts, tool plumbing), marked (hidden)"
    )
    sub.add_argument("--max-depth", type=_positive, metavar="N", help="stop N levels below the roots")
    sub.add_argument(
        "--collapse", type=_positive, metavar="N", help="fold linear stretches of more than N entries into one line"
    )
    sub.add_argument("--ascii", action="store_true", help="ASCII only (for terminals without Unicode)")

    sub = command("leaves", cmd_leaves, "list every branch tip (its entry id first), the live one marked *", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument(
        "--all", action="store_true", help="also list hidden tips (tool plumbing, progress records), marked (hidden)"
    )

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
        sub.add_argument(
            "text",
            nargs="?",
            metavar="TEXT",
            help="the message text; '-' or none: read it from stdin (empty stdin is refused: "
            "pass '' for an empty message)",
        )
        sub.add_argument(
            "--item",
            metavar="JSON",
            type=_json_text,
            help="a JSON value to keep with the entry (e.g. the full message)",
        )
        if name == "append":
            sub.add_argument(
                "--parent", type=_entry_id, metavar="ENTRY", help="append under this entry instead of the current leaf"
            )

    sub = command("checkout", cmd_checkout, "make an entry the current leaf of its thread (logged as checkout)")
    sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="the entry to move to")

    sub = command("rewind", cmd_rewind, "move the current leaf up the live path and print where it is")
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--steps", type=_positive, default=1, metavar="N", help="how many entries up (default 1)")

    sub = command(
        "redo",
        cmd_redo,
        "move the leaf one entry back down toward where the last rewind left; print its id (exit 1: nothing to redo)",
    )
    sub.add_argument("thread", metavar="THREAD", help=THREAD)

    sub = command("log", cmd_log, "the moves of a thread's current leaf, newest first", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--limit", type=_positive, default=50, metavar="N", help="at most N moves (default 50)")

    sub = command("events", cmd_events, "a thread's event log, oldest first", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument(
        "--after", type=_seq, default=-1, metavar="SEQ", help="only events numbered above SEQ (default: all)"
    )
    sub.add_argument("--limit", type=_positive, metavar="N", help="at most N events (default: all)")

    sub = command(
        "checkpoints",
        cmd_checkpoints,
        "a thread's checkpoints, newest first; * marks the one load_checkpoint resumes from",
        json=True,
    )
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("--limit", type=_positive, default=100, metavar="N", help="at most N checkpoints (default 100)")

    sub = command(
        "runs",
        cmd_runs,
        "workflow runs, newest first: branches tried, leaf runs, decisions (* the winner)",
        json=True,
    )
    sub.add_argument("thread", nargs="?", metavar="THREAD", help="only this thread's runs (default: all); " + THREAD)
    sub.add_argument("--workflow", metavar="W", help="only runs of workflow W")
    sub.add_argument("--status", choices=RUN_STATUSES, help="only runs in this status")
    sub.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N runs (default 20)")

    sub = command("diff", cmd_diff, "compare two entries: their common ancestor, then each one's own tail", json=True)
    sub.add_argument("entry_a", type=_entry_id, metavar="ENTRY_A", help="one entry")
    sub.add_argument("entry_b", type=_entry_id, metavar="ENTRY_B", help="the other entry")

    _navigation_commands(command)

    sub = command("check", cmd_check, "check the file (or one thread) for damage; exit 1 if any", json=True)
    sub.add_argument(
        "thread", nargs="?", metavar="THREAD", help="only this thread (default: the whole file); " + THREAD
    )

    sub = command("export", cmd_export, "write a thread (or every thread) out in another format")
    sub.add_argument(
        "thread",
        nargs="?",
        metavar="THREAD",
        help="the thread id; jsonl, chatgpt and openwebui export every thread when it is left out",
    )
    sub.add_argument(
        "--format",
        required=True,
        metavar="FORMAT",
        choices=_lazy.sequence(_export_choices),
        help="openai / anthropic: the live path as model API input; jsonl: a lossless dump, "
        "one JSON object a line (restore it with 'import'); chatgpt: conversations.json; "
        "openwebui: an Open WebUI chat export; dot: Graphviz; mermaid: a Mermaid flowchart",
    )

    sub = command(
        "import",
        cmd_import,
        "import conversations: an app's export (ChatGPT, Claude Code, ...) or its own database (llm, LangGraph, ...)",
        json=True,
    )
    sub.add_argument("file", metavar="FILE", help="the export file, or the app's SQLite file (read, never changed)")
    sub.add_argument(
        "--format",
        metavar="FORMAT",
        choices=_lazy.sequence(_import_choices),
        help="the file's format, one of those below (default: detected from its content; "
        "a file that is not of the format named is refused)",
    )
    sub.formatter_class = _FormatsEpilog

    for name, run, help in (
        ("rm", cmd_rm, "delete a thread and all its entries (on a terminal, after asking)"),
        ("archive", cmd_archive, "archive a thread (hidden from 'threads' without --archived)"),
        ("unarchive", cmd_unarchive, "bring an archived thread back"),
    ):
        sub = command(name, run, help)
        sub.add_argument("thread", metavar="THREAD", help=THREAD)
        if name == "rm":
            sub.add_argument(
                "-y", "--yes", action="store_true", help="do not ask (only a terminal is asked: scripts never are)"
            )

    command("demo", cmd_demo, "build a sample branching conversation and show it")
    add_serve(command)
    add_copy_database(command)
    return top


def _navigation_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """search, label, labels, unlabel, switch, copy, forks, merge."""
    sub = command(
        "search", cmd_search, "find entries on every branch whose text holds every word and phrase", json=True
    )
    sub.add_argument("query", metavar="QUERY", help='words and "quoted phrases", all to be found (any text is safe)')
    sub.add_argument("--thread", metavar="THREAD", help="only this thread; " + THREAD)
    sub.add_argument("--limit", type=_positive, default=20, metavar="N", help="at most N hits (default 20)")
    sub.add_argument("--all", action="store_true", help="also find hidden entries (system prompts, tool plumbing)")

    sub = command("label", cmd_label, "name an entry (unique in its thread: a taken name moves here); print its id")
    sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="the entry to name")
    sub.add_argument("name", metavar="NAME", help="the name")

    sub = command("labels", cmd_labels, "list a thread's labels by name, each with its entry", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)

    sub = command("unlabel", cmd_unlabel, "remove a label from a thread (its entry stays)")
    sub.add_argument("thread", metavar="THREAD", help=THREAD)
    sub.add_argument("name", metavar="NAME", help="the label")

    sub = command(
        "switch", cmd_switch, "make the branch through ENTRY live, back where it was left; print the leaf's id"
    )
    sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="an entry of the branch (a sibling show lists)")

    sub = command("copy", cmd_copy, "copy the path down to ENTRY into a new thread that remembers it; print its id")
    sub.add_argument("entry", type=_entry_id, metavar="ENTRY", help="the last entry to copy")
    sub.add_argument(
        "--from",
        dest="start",
        type=_entry_id,
        metavar="ENTRY",
        help="copy from this entry of the path (a tail) instead of the root",
    )
    sub.add_argument("--title", metavar="T", help="the new thread's title (default: the thread's own)")

    sub = command("forks", cmd_forks, "list the threads copied from a thread, oldest first", json=True)
    sub.add_argument("thread", metavar="THREAD", help=THREAD)

    sub = command(
        "merge", cmd_merge, "append under the live leaf a summary of another branch, linked to it; print its id"
    )
    sub.add_argument("leaf", type=_entry_id, metavar="LEAF", help="the tip of the branch the summary is of")
    sub.add_argument(
        "text", nargs="?", metavar="TEXT", help="the summary; '-' or none: read it from stdin (empty stdin is refused)"
    )
    sub.add_argument("--role", default="assistant", metavar="ROLE", help="the summary's role (default assistant)")
    sub.add_argument(
        "--thread", metavar="THREAD", help="merge into this thread (one LEAF's thread is a copy of); " + THREAD
    )


def _no_database_yet(args: argparse.Namespace) -> bool:
    """Whether this is ``threads`` on a machine where threadtree has not written yet: no
    ``--db``, no ``$THREADTREE_DB``, and no file at the default path. A path someone named is
    different: if nothing is there, it is likely a typo, and that is an error."""
    return (
        args.command == "threads"
        and getattr(args, "db", None) is None
        and not os.environ.get("THREADTREE_DB")
        and not threadtree.default_path().exists()
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``threadtree`` and ``python -m threadtree``; returns the exit code."""
    try:
        args = parser().parse_args(argv)
        if args.command == "show" and args.thread is None and args.entry is None:
            args.usage_error("give THREAD (its live path) or --entry ENTRY (the path to that entry)")
        if args.command == COPY_DATABASE and getattr(args, "db", None) is not None:
            args.usage_error("copy-database names both databases as SRC and DST; leave out --db")
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    out = Output(sys.stdout)
    try:
        if args.command == COPY_DATABASE:  # two databases of its own
            return args.run(None, args, out)
        if _no_database_yet(args):
            if args.json:
                out.json([])
            return 0
        # No --db: None, so that open() applies its default (and creates the data folder).
        readonly = args.command in READ_ONLY and not getattr(args, "write", False)
        with threadtree.open(getattr(args, "db", None), readonly=readonly) as store:
            if getattr(args, "thread", None) is not None:  # every THREAD: an id, a prefix or a title
                args.thread_record = store.resolve_thread(args.thread)
                args.thread = args.thread_record.id
            return args.run(store, args, out)
    except BrokenPipeError:  # `threadtree show t | head`: the reader has gone, not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Told in one line. The drivers' errors are asked for here, when one is raised, not
        # before the command: PostgreSQL's driver is imported only once a URL is opened.
        if isinstance(exc, (ThreadTreeError, OSError, *driver_errors())):
            kind = "" if isinstance(exc, ThreadTreeError) else f" ({type(exc).__name__})"
            message = " ".join(str(exc).split())  # one line, whatever the message held
            print(f"threadtree: error: {message}{kind}", file=sys.stderr)
            return 1
        if os.environ.get("THREADTREE_DEBUG"):
            raise
        print(
            f"threadtree: error: unexpected {type(exc).__name__}: {' '.join(str(exc).split())}; if another "
            "tool wrote to this file, run `threadtree check` (THREADTREE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
