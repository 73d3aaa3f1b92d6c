"""threadtree's own JSON lines: a lossless dump of threads, and the restore that reads it.

``threadtree export --format jsonl`` writes, per thread, one ``{"type": "thread", ...}`` line
(every field of :class:`threadtree.Thread`) followed by one ``{"type": "entry", ...}`` line per
entry (every field of :class:`threadtree.Entry`), parents before children. A dump of the whole
database is the threads' blocks one after the other.

Restoring a block:

* into a file without that thread id, makes the thread with the same id, title, metadata,
  times, source and entries. Entry ids are kept when none of them is taken in the file (so a
  restore into an empty file gives identical threads, ids and all); otherwise the entries are
  numbered anew, in the same order;
* into a file that has the thread, adds the entries the file does not have yet (a newer dump
  of the same thread) and takes the dump's title, metadata and live leaf. The thread's entries
  must be the dump's first entries, field for field; a thread that has diverged from the dump
  is skipped, with the first entry that differs named.

Fields added since the first dumps are read when present and taken as empty when not, so a
dump of any version restores: a copy's ``origin_thread_id`` / ``origin_entry_id`` and a merge
entry's ``merged_from`` (its link to the branch it summarizes, renumbered with the entries;
a link out of the thread is kept only when the ids are).

After its entries, a block holds one ``{"type": "run", ...}`` line per workflow run of the
thread, each with its branch runs, leaf runs and decisions (see :mod:`._jsonl_runs`, which
writes and restores them). A reader from before runs refuses such a block, naming the line.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from .. import _json, _validate
from .._db import Tx, imports
from ..errors import InvalidInput, NotFound
from ..records import Entry, RunTrace, Thread
from ..store import Store, database_of
from . import _jsonl_runs
from ._engine import plan
from ._model import Conversation, Node, Skipped
from ._report import Outcome, Skip

NAME = "jsonl"
DESCRIPTION = "threadtree's own JSON lines, from `threadtree export --format jsonl`"

_THREAD_KEYS = {"type", "id", "title", "metadata", "created_at", "updated_at", "current_leaf_id"}
_ENTRY_KEYS = {"type", "id", "thread_id", "parent_id", "role", "content", "created_at"}


def sniff(head: bytes, path: Path) -> bool:
    first = head.lstrip().split(b"\n", 1)[0]
    try:
        line = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(line, dict) and line.get("type") == "thread" and _THREAD_KEYS <= line.keys()


def accepts(head: bytes, path: Path) -> bool:
    """For ``--format jsonl``: some line of the head is a thread or an entry line, so a dump
    whose first line is damaged still reaches :func:`read`, which names the bad lines."""
    for raw in head.splitlines()[:_ACCEPT_LINES]:
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(line, dict) and line.get("type") in ("thread", "entry"):
            return True
    return False


_ACCEPT_LINES = 50


def export(thread: Thread, entries: list[Entry], runs: list[RunTrace] | None = None) -> list[dict[str, Any]]:
    """The lines of the thread's block (JSON objects): the thread, its entries, its runs."""
    return (
        [{"type": "thread"} | attrs.asdict(thread, filter=_stored)]
        + [{"type": "entry"} | attrs.asdict(e) for e in entries]
        + _jsonl_runs.lines(runs or [])
    )


def _stored(field: attrs.Attribute, value: Any) -> bool:
    """A thread's own fields, not the counts a listing adds (the entries are in the dump)."""
    return field.name not in ("entry_count", "leaf_count")


@attrs.frozen
class Block:
    """One thread's lines from a dump."""

    where: str
    thread: dict[str, Any]
    entries: list[dict[str, Any]]
    runs: list[dict[str, Any]] = attrs.field(factory=list)


def read(path: Path) -> Iterator[Block | Skipped]:
    block: Block | None = None
    broken: str | None = None
    why: str | None  # why a line is not read, None for a good one
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                line = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                line, why = None, f"line {number}, column {exc.colno}: malformed JSON: {exc.msg}"
            else:
                why = None if isinstance(line, dict) else f"line {number}: not a JSON object"
            kind = line.get("type") if isinstance(line, dict) else None
            if why is None and kind == "thread":
                if block is not None:
                    yield _done(block, broken)
                block, broken = None, None
                if not _THREAD_KEYS <= line.keys():
                    broken = f"line {number}: a thread line needs {sorted(_THREAD_KEYS - line.keys())}"
                block = Block(f"thread {line.get('id')!r} (line {number})", line, [])
                continue
            if why is None and kind == "run":
                if block is None:
                    yield Skipped(f"line {number}", "a run line before any thread line")
                elif line.get("thread_id") != block.thread["id"]:
                    broken = broken or (
                        f"line {number}: run of thread {line.get('thread_id')!r} inside thread {block.thread['id']!r}"
                    )
                else:
                    block.runs.append(line)
                continue
            if why is None and kind != "entry":
                why = f"line {number}: type must be 'thread', 'entry' or 'run', not {kind!r}"
            if why is None and not _ENTRY_KEYS <= line.keys():
                why = f"line {number}: an entry line needs {sorted(_ENTRY_KEYS - line.keys())}"
            if block is None:
                yield Skipped(f"line {number}", why or "an entry line before any thread line")
                continue
            owner = block.thread.get("id")  # None when the thread line lacks it (the block is broken)
            if why is None and line["thread_id"] != owner:
                why = f"line {number}: entry of thread {line['thread_id']!r} inside thread {owner!r}"
            if why is not None:
                broken = broken or why
            else:
                block.entries.append(line)
    if block is not None:
        yield _done(block, broken)


def _done(block: Block, broken: str | None) -> Block | Skipped:
    return block if broken is None else Skipped(block.where, broken)


# -- restoring --


def write(store: Store, block: Block) -> Outcome:
    """Restore one thread's block in one transaction."""
    try:
        thread, entries, notes = _checked(block, store.max_size)
    except (InvalidInput, NotFound) as exc:  # NotFound: an id beyond SQLite's range, which no entry has
        return Outcome(block.where, "skipped", reason=str(exc))
    try:
        with database_of(store).write() as tx:
            return _restore(tx, block.where, thread, entries, notes)
    except Skip as exc:
        return Outcome(block.where, "skipped", reason=str(exc), notes=notes)


def _checked(block: Block, max_size: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """The thread's fields and its entries in an order where parents come first, checked."""
    t = block.thread
    thread = {
        "id": _validate.thread_id(t["id"], "id"),
        "title": _validate.optional_text(t["title"], "title"),
        "metadata": _json.loads(_validate.metadata(t["metadata"], limit=max_size)),
        "created_at": _seconds(t["created_at"], "created_at"),
        "updated_at": _seconds(t["updated_at"], "updated_at"),
        "archived_at": None if t.get("archived_at") is None else _seconds(t["archived_at"], "archived_at"),
        "source_format": _validate.optional_text(t.get("source_format"), "source_format"),
        "source_id": _validate.optional_text(t.get("source_id"), "source_id"),
        "current_leaf_id": t["current_leaf_id"],
        # A copy's origin (dumps before copies existed have neither key).
        "origin_thread_id": _validate.optional_text(t.get("origin_thread_id"), "origin_thread_id"),
        "origin_entry_id": _validate.optional_entry_id(t.get("origin_entry_id"), "origin_entry_id"),
    }
    if (thread["source_format"] is None) != (thread["source_id"] is None):
        raise InvalidInput("source_format and source_id must both be set or both be null")
    if (thread["origin_thread_id"] is None) != (thread["origin_entry_id"] is None):
        raise InvalidInput("origin_thread_id and origin_entry_id must both be set or both be null")
    by_id: dict[int, dict[str, Any]] = {}
    by_source: dict[str, int] = {}  # a source_id is unique in a thread: two would fail at insert
    usages: dict[int, tuple[str, Any]] = {}
    nodes = []
    for e in block.entries:
        eid = _validate.entry_id(e["id"], "entry id")
        if eid in by_id:
            raise InvalidInput(f"entry {eid} appears twice")
        parent = e["parent_id"]
        if parent is not None:
            _validate.entry_id(parent, f"entry {eid}: parent_id")
        by_id[eid] = e
        item = e.get("item")
        nodes.append(
            Node(
                str(eid),
                None if parent is None else str(parent),
                e["role"],
                e["content"],
                item,
                e.get("hidden", False),
                _seconds(e["created_at"], f"entry {eid}: created_at"),
            )
        )
        source_id = e.get("source_id")
        if source_id is not None:
            _validate.name(source_id, f"entry {eid}: source_id")
            if source_id in by_source:
                raise InvalidInput(
                    f"entry {eid}: source_id {source_id!r} is also the source_id of entry {by_source[source_id]}"
                )
            by_source[source_id] = eid
        if e.get("usage") is not None:  # checked here, kept aside: the block's lines stay as read
            usages[eid] = _validate.usage_value(e["usage"], f"entry {eid}: usage")
        _validate.optional_entry_id(e.get("merged_from"), f"entry {eid}: merged_from")
    leaf = thread["current_leaf_id"]
    if leaf is not None and (type(leaf) is not int or leaf not in by_id):  # a list there is not hashable
        raise InvalidInput(f"current_leaf_id {leaf!r} is not an entry of the thread")
    thread["runs"] = _jsonl_runs.checked(block.runs, thread["id"], by_id, max_size)
    planned = plan(Conversation(NAME, thread["id"], None, nodes, None if leaf is None else str(leaf)), max_size)
    entries = []
    for node in planned.order:
        e = by_id[int(node.source_id)]
        parent = planned.parents[node.source_id]
        entries.append(
            {
                "id": int(node.source_id),
                "parent_id": None if parent is None else int(parent),
                "role": node.role,
                "content": node.content,
                "item": planned.items[node.source_id],
                "created_at": node.created_at,
                "source_id": e.get("source_id"),
                "hidden": node.hidden,
                "usage": usages.get(int(node.source_id)),
                "merged_from": e.get("merged_from"),
            }
        )
    return thread, entries, planned.notes


def _seconds(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput(f"{field} must be Unix seconds, not {value!r}")
    return float(value)


def _restore(tx: Tx, where: str, thread: dict[str, Any], entries: list[dict[str, Any]], notes: list[str]) -> Outcome:
    tid = thread["id"]
    row = imports.thread(tx, tid)
    created = row is None
    if thread["source_id"] is not None:
        owner = imports.source_thread(tx, thread["source_format"], thread["source_id"])
        if owner is not None and owner.id != tid:
            raise Skip(
                f"thread {owner.id!r} was already imported from {thread['source_format']} "
                f"conversation {thread['source_id']!r}"
            )
    if row is None:
        stored = {
            k: thread[k]
            for k in (
                "title",
                "created_at",
                "updated_at",
                "archived_at",
                "source_format",
                "source_id",
                "origin_thread_id",
                "origin_entry_id",
            )
        }
        imports.insert_thread(tx, stored | {"metadata": _json.dumps(thread["metadata"], "metadata")[0]}, thread_id=tid)
        have: list[Entry] = []
    else:
        if (row.source_format, row.source_id) != (thread["source_format"], thread["source_id"]):
            raise Skip(f"thread {tid!r} exists here with another source")
        have = imports.entries(tx, tid)
    if len(have) > len(entries):
        raise Skip(f"thread {tid!r} here has {len(have)} entries, more than the {len(entries)} of the dump")
    first = sorted(entries, key=lambda e: e["id"])[: len(have)]
    mapped = _align(tid, have, first)
    taken = {e["id"] for e in first}
    rest = [e for e in entries if e["id"] not in taken]  # still parents first
    # In id order when parents come first in it (as in every dump threadtree writes), so the
    # entries keep their order among siblings even when they are numbered anew.
    in_order = all(e["parent_id"] is None or e["parent_id"] < e["id"] for e in rest)
    if in_order:
        rest.sort(key=lambda e: e["id"])
    keep = in_order and not imports.any_taken(tx, (e["id"] for e in rest))
    if rest and not keep:
        notes = [*notes, f"{len(rest)} entry ids were taken in this file; numbered them anew"]
    depth = {e.id: e.depth for e in have}
    new = imports.NewEntries(tx, tid)
    for e in rest:
        parent = None if e["parent_id"] is None else mapped[e["parent_id"]]
        d = 0 if parent is None else depth[parent] + 1
        item_json, _, content_path = e["item"]
        new_id = new.add(
            parent,
            d,
            e["role"],
            e["content"],
            item_json,
            e["created_at"],
            e["source_id"],
            e["hidden"],
            content_path,
            None if e["usage"] is None else e["usage"][0],
            e["id"] if keep else None,
        )
        mapped[e["id"]] = new_id
        depth[new_id] = d
    links = _merge_links(rest, new.rows, mapped, keep)
    if links:
        notes = [*notes, f"{links} merge links named entries outside this thread; dropped them (ids were renumbered)"]
    new.insert()
    leaf = None if thread["current_leaf_id"] is None else mapped[thread["current_leaf_id"]]
    fields = (thread["title"], thread["metadata"], leaf, thread["updated_at"], thread["archived_at"])
    if (
        row is None
        or rest
        or fields != (row.title, _json.loads(row.metadata), row.leaf_id, row.updated_at, row.archived_at)
    ):
        imports.update_thread(
            tx,
            tid,
            title=thread["title"],
            metadata=_json.dumps(thread["metadata"], "metadata")[0],
            updated_at=thread["updated_at"],
            archived_at=thread["archived_at"],
            old_leaf=None if row is None else row.leaf_id,
            leaf=leaf,
            reason="restore",
            now=time.time(),
        )
        status = "imported" if created else "updated"
    else:
        status = "unchanged"
    runs_written, run_notes = _jsonl_runs.restore(tx, tid, thread["runs"], mapped)
    if runs_written and status == "unchanged":
        status = "updated"
    return Outcome(where, status, tid, thread["title"], len(rest), 0, None, [*notes, *run_notes])


def _merge_links(rest: list[dict[str, Any]], rows: list[dict[str, Any]], mapped: dict[int, int], keep: bool) -> int:
    """Put each restored merge entry's link (``merged_from``, a dump id) on its row: as it is
    when the ids are kept, else the id its entry got here. A link to an entry outside the
    thread cannot be renumbered (where that entry lands is not known here): it is dropped.
    Returns how many were dropped."""
    dropped = 0
    for e, row in zip(rest, rows):
        link = e["merged_from"]
        if link is None or keep:
            row["merged_from"] = link
        elif link in mapped:
            row["merged_from"] = mapped[link]
        else:
            dropped += 1
    return dropped


def _align(tid: str, have: list[Entry], first: list[dict[str, Any]]) -> dict[int, int]:
    """Map the dump's first entries (by id) onto the thread's entries, which must equal them."""
    mapped: dict[int, int] = {}
    for entry, e in zip(have, first):
        parent = None if e["parent_id"] is None else mapped.get(e["parent_id"], -1)
        same = (
            entry.parent_id == parent
            and entry.role == e["role"]
            and entry.content == e["content"]
            and entry.item == e["item"][1]
            and entry.hidden == e["hidden"]
            and entry.source_id == e["source_id"]
            and entry.created_at == e["created_at"]
            and entry.usage == (None if e["usage"] is None else e["usage"][1])
        )
        if not same:
            raise Skip(
                f"thread {tid!r} here differs from the dump at its entry {entry.id} (dump entry "
                f"{e['id']}); delete the thread or restore into another file"
            )
        mapped[e["id"]] = entry.id
    return mapped
