"""The commands that write: new, append, fork, checkout, rewind, redo, rm, archive,
unarchive, and demo. Each prints the id it made or moved to (rm, archive and unarchive print
nothing on stdout)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson

import threadtree

from ..errors import InvalidInput
from .output import Output
from .reading import cmd_tree

__all__ = [
    "cmd_append",
    "cmd_archive",
    "cmd_checkout",
    "cmd_demo",
    "cmd_fork",
    "cmd_new",
    "cmd_redo",
    "cmd_rewind",
    "cmd_rm",
    "cmd_unarchive",
]


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


def cmd_rm(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    thread = args.thread_record
    if not args.yes and sys.stdin is not None and sys.stdin.isatty():
        # Only a person at a terminal is asked; a script's rm goes ahead as it always has.
        title = "" if thread.title is None else f" {thread.title!r}"
        count = thread.entry_count
        print(
            f"delete thread {thread.id}{title} and its {count} {'entry' if count == 1 else 'entries'}? [y/N] ",
            end="",
            file=sys.stderr,
            flush=True,
        )
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
    cmd_tree(
        store, argparse.Namespace(thread=tid, json=False, max_depth=None, ascii=False, collapse=None, all=False), out
    )
    out.line()
    out.line(out.style("live path:", "bold"))
    for entry in store.path(tid):
        out.line(f"  {out.style(f'[{entry.id}]', 'dim')} {out.style(entry.role, 'role')}: {entry.content}")
    return 0
