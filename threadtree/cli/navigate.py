"""The commands that find one's way in big trees: search, labels, label, unlabel, switch,
copy, forks and merge (``diff`` and the branch marks of ``show`` are in :mod:`.reading`).

search, labels and forks only read (the file is opened read-only) and take ``--json``; the
others print the id they made or moved to, as the write commands do."""

from __future__ import annotations

import argparse

import attrs

import threadtree

from ..navigation import SearchHit
from .output import Output, _entry_json, _tail, _thread_json, _when
from .writing import _text

__all__ = [
    "cmd_copy",
    "cmd_forks",
    "cmd_label",
    "cmd_labels",
    "cmd_merge",
    "cmd_search",
    "cmd_switch",
    "cmd_unlabel",
]


def cmd_search(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    hits = store.search(args.query, thread_id=args.thread, limit=args.limit, include_hidden=args.all)
    if args.json:
        out.json(
            [
                {"entry": _entry_json(h.entry), "snippet": h.snippet, "marks": h.marks, "on_live_path": h.on_live_path}
                | {"rank": h.rank}
                for h in hits
            ]
        )
        return 0
    titles: dict[str, str] = {}
    for hit in hits:
        tid = hit.entry.thread_id
        if tid not in titles:
            titles[tid] = store.get_thread(tid).title or tid
        mark = "*" if hit.on_live_path else " "
        head = f"{out.style(mark, 'live') if hit.on_live_path else mark} {hit.entry.id}  "
        where = f"{_cut(titles[tid], 30)}  {hit.entry.role}: "
        out.line(head + out.style(where, "dim") + _snippet(hit, out))
    return 0


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _snippet(hit: SearchHit, out: Output) -> str:
    """The snippet on one line; on a terminal the matches in colour instead of marked."""
    text = hit.snippet
    if out.color:
        pieces, last = [], 0
        for start, end in hit.marks:
            pieces += [text[last : start - 1], out.style(text[start:end], "warn")]
            last = end + 1
        text = "".join(pieces) + text[last:]
    return " ".join(text.split())


def cmd_labels(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    labels = store.labels(args.thread)
    if args.json:
        out.json([attrs.asdict(label) for label in labels])
        return 0
    for label in labels:
        entry = store.get_entry(label.entry_id)
        start = f"{label.name}  {label.entry_id}  {entry.role}"
        out.line(
            f"{out.style(label.name, 'bold')}  {label.entry_id}  {out.style(entry.role, 'role')}"
            + _tail(start, entry.content, out.width)
        )
    return 0


def cmd_label(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(str(store.set_label(args.entry, args.name).entry_id))
    return 0


def cmd_unlabel(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    store.delete_label(args.thread, args.name)
    return 0


def cmd_switch(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(str(store.switch(args.entry).id))
    return 0


def cmd_copy(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    out.line(store.copy_thread(args.entry, start_id=args.start, title=args.title).id)
    return 0


def cmd_forks(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    forks = store.forks_of(args.thread)
    if args.json:
        out.json([_thread_json(t) for t in forks])
        return 0
    for thread in forks:
        title = thread.title or ""
        out.line(f"{thread.id}  {_when(thread.created_at)}  from entry {thread.origin_entry_id}  {title}".rstrip())
    return 0


def cmd_merge(store: threadtree.Store, args: argparse.Namespace, out: Output) -> int:
    args.item = None  # _text reads stdin as append does; a merge carries no item
    entry = store.merge(args.leaf, _text(args), role=args.role, thread_id=args.thread)
    out.line(str(entry.id))
    return 0
