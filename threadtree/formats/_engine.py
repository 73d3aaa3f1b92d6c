"""The import engine: conversations read from a file become threads, each whole or not at all.

A reader (:mod:`threadtree.formats._model`) gives each conversation as a flat list of nodes
with parent pointers, exactly as the source has them. They are checked and repaired
(:func:`~threadtree.formats._plan.plan`: a parent that is missing makes its node a root, a
cycle is broken, a second node with the same id is dropped, each with a note) and written
here (:func:`write_conversation`).

A thread remembers its source (``source_format``, ``source_id``) and every entry its node id
(``source_id``), so importing the same conversation again updates that thread: nodes already
there are left alone (or take the source's newer text), new nodes are added under their
parents, and the live leaf follows the source. Nothing of a thread is deleted by an import.

Two shortcuts keep a re-import cheap and honest. A conversation whose ``digest`` (its bytes,
hashed by the reader) is the one kept from the last import is unchanged on sight: no planning,
no write lock. And a file threadtree exported itself comes back to the thread it was exported
from: the entries it had no source id for are recognised by the ids the exporter gave them
(:func:`~threadtree.formats._model.exported_id`), and a thread matched through the file's
``exported_from`` keeps its own source; only what the file adds is written.

What an import returns, an :class:`Outcome` per conversation and an :class:`ImportReport` per
file, is in :mod:`threadtree.formats._report`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .. import _json, _validate
from .._db import Tx, UniqueViolation, imports
from ..errors import InvalidInput
from ..store import Store, database_of
from ._model import EXPORTED_FROM, Conversation, exported_id
from ._plan import Plan, plan
from ._report import ImportReport, Outcome, Skip

# ImportReport and Outcome live in _report, Plan and plan in _plan; they stay importable from here.
__all__ = ["ImportReport", "Outcome", "Plan", "plan", "write_conversation"]


# -- writing --


def write_conversation(store: Store, conv: Conversation) -> Outcome:
    """Write one conversation in one transaction: all of it, or (skipped) none of it."""
    return _write_together(store, [_prepare(store, conv)])[0]


@attrs.frozen
class _Ready:
    """A conversation checked and planned, to be written."""

    conv: Conversation
    planned: Plan
    source_format: str
    source_id: str
    title: str | None
    source_meta: dict[str, Any]


def _prepare(store: Store, conv: Conversation) -> Outcome | _Ready:
    """What can be decided before taking the write lock: "unchanged" by the digest, "skipped"
    for a conversation that cannot be stored, else the plan."""
    seen = _unchanged_since_last_import(store, conv)
    if seen is not None:
        return seen
    try:
        planned = plan(conv, store.max_size)
        meta_json, source_meta = _json.dumps(dict(conv.metadata), "metadata")
        _validate.size(meta_json, "the conversation's metadata", store.max_size, "bytes of JSON")
        title = _validate.optional_text(conv.title, "title")
        source_format = _validate.name(conv.format, "format")
        source_id = _validate.name(conv.source_id, "conversation id")
    except InvalidInput as exc:
        return Outcome(conv.where, "skipped", reason=str(exc), notes=list(conv.notes))
    return _Ready(conv, planned, source_format, source_id, title, source_meta)


def _write_together(store: Store, prepared: list[Outcome | _Ready]) -> list[Outcome]:
    """Write the conversations that need it, several in one transaction (a commit's sync for a
    batch, not for each). When one of them must be skipped, the whole batch is undone and each
    conversation is written again in a transaction of its own, so that one is skipped alone:
    rare, and nothing reaches the storage floor but plain writes. None to write: no lock."""
    todo = [r for r in prepared if isinstance(r, _Ready)]
    done: dict[int, Outcome] = {}
    db = database_of(store)
    if len(todo) > 1:
        notes = [list(r.planned.notes) for r in todo]  # writing adds notes: a retry starts afresh
        try:
            with db.write() as tx:
                for ready in todo:
                    done[id(ready)] = _write(tx, *attrs.astuple(ready, recurse=False))
        except Skip:
            done.clear()
            for ready, kept in zip(todo, notes):
                ready.planned.notes[:] = kept
    for ready in todo:
        if id(ready) in done:
            continue
        try:
            with db.write() as tx:
                done[id(ready)] = _write(tx, *attrs.astuple(ready, recurse=False))
        except Skip as exc:
            done[id(ready)] = Outcome(ready.conv.where, "skipped", reason=str(exc), notes=ready.planned.notes)
    return [done[id(r)] if isinstance(r, _Ready) else r for r in prepared]


def _unchanged_since_last_import(store: Store, conv: Conversation) -> Outcome | None:
    """ "unchanged" when the thread imported from this conversation keeps its digest, else None.
    One read, outside any write transaction: an unchanged file takes no lock."""
    if conv.digest is None or type(conv.format) is not str or type(conv.source_id) is not str:
        return None
    with database_of(store).use() as tx:
        found = imports.source_thread(tx, conv.format, conv.source_id)
    if found is None:
        return None
    source = _json.loads(found.metadata).get("source")
    if not isinstance(source, dict) or source.get("digest") != conv.digest:
        return None
    return Outcome(conv.where, "unchanged", found.id, found.title, notes=list(conv.notes))


def _write(
    tx: Tx,
    conv: Conversation,
    planned: Plan,
    source_format: str,
    source_id: str,
    title: str | None,
    source_meta: dict[str, Any],
) -> Outcome:
    now = time.time()
    found = imports.source_thread(tx, source_format, source_id)
    by_origin = False
    if found is None:
        found = _origin_thread(tx, conv, planned)
        by_origin = found is not None
    if conv.digest is not None:
        source_meta = source_meta | {"digest": conv.digest}
    created = found is None
    if found is None:
        times = [n.created_at for n in planned.order if n.created_at is not None]
        thread_row = imports.insert_thread(
            tx,
            {
                "title": title,
                "metadata": _json.dumps({"source": source_meta | {"leaf": planned.current}}, "metadata")[0],
                "created_at": _first(conv.created_at, min(times, default=None), now),
                "updated_at": _first(conv.updated_at, max(times, default=None), now),
                "archived_at": None,
                "source_format": source_format,
                "source_id": source_id,
            },
            thread_id=_wished_id(tx, conv.thread_id, planned.notes),
        )
    else:
        thread_row = found
    tid = thread_row.id

    existing = imports.source_entries(tx, tid)
    unsourced: dict[str, imports.Shape] | None = None  # built when first needed
    placed: dict[str, tuple[int, int]] = {}  # source_id -> (entry id, depth)
    changed = 0
    new = imports.NewEntries(tx, tid)
    for node in planned.order:
        sid = node.source_id
        parent_sid = planned.parents[sid]
        parent_id, parent_depth = placed[parent_sid] if parent_sid is not None else (None, -1)
        item_json, item, path = planned.items[sid]
        usage = planned.usages.get(sid)
        if sid in existing:
            have = existing[sid]
            _same_parent(tid, sid, parent_sid, have.id, have.parent_id, parent_id)
            # An item stored from the same node is the same JSON text (one encoder): only
            # when the texts differ are the values compared.
            if by_origin:
                pass  # the file holds threadtree's own rendering of the entry: never rewrite it
            elif (
                (have.role, have.content, bool(have.hidden)) != (node.role, node.content, node.hidden)
                or (
                    (have.item, have.content_path) != (item_json, path)
                    and _json.load_item(have.item, have.content_path, have.content) != item
                )
                or _new_usage(have.usage, usage)
            ):
                # A node without usage keeps what the entry has (a reader that counts none).
                kept = have.usage if usage is None else usage
                imports.update_entry(tx, tid, have.id, node.role, node.content, item_json, node.hidden, path, kept)
                changed += 1
            placed[sid] = (have.id, have.depth)
            continue
        if not created:
            if unsourced is None:
                unsourced = _unsourced(tx, tid, existing)
            if sid in unsourced:  # an entry made in threadtree, exported under a made-up id
                shape = unsourced[sid]
                _same_parent(tid, sid, parent_sid, shape.id, shape.parent_id, parent_id)
                placed[sid] = (shape.id, shape.depth)
                continue
        # New entries are numbered here, parents first, and inserted together.
        eid = new.add(
            parent_id,
            parent_depth + 1,
            node.role,
            node.content,
            item_json,
            now if node.created_at is None else node.created_at,
            sid,
            node.hidden,
            path,
            usage,
        )
        placed[sid] = (eid, parent_depth + 1)
    try:
        new.insert()
    except UniqueViolation as exc:  # a source_id taken by an entry of another parent
        raise Skip(f"cannot add the new entries: {exc.detail}") from None
    added = len(new)

    leaf = None if planned.current is None else placed[planned.current][0]
    if by_origin:
        return _write_back(tx, conv, planned, thread_row, added, leaf, now)
    old_meta = _json.loads(thread_row.metadata)
    new_source = source_meta | {"leaf": planned.current}
    source_changed = _comparable(old_meta.get("source")) != _comparable(new_source)
    if created or added or changed or source_changed:
        new_title = title if (created or source_changed) else thread_row.title
        old_updated = thread_row.updated_at
        updated_at = conv.updated_at if conv.updated_at is not None and conv.updated_at > old_updated else now
        imports.update_thread(
            tx,
            tid,
            title=new_title,
            metadata=_json.dumps(old_meta | {"source": new_source}, "metadata")[0],
            updated_at=old_updated if created else updated_at,
            archived_at=thread_row.archived_at,
            old_leaf=thread_row.leaf_id,
            leaf=leaf,
            reason="import",
            now=now,
        )
        status = "imported" if created else "updated"
    else:
        status, new_title = "unchanged", thread_row.title
    notes = list(planned.notes)
    gone = len(existing.keys() - placed.keys())
    if gone:
        notes.append(f"{gone} entries of thread {tid!r} are no longer in the source; kept them")
    return Outcome(conv.where, status, tid, new_title, added, changed, None, notes)


def _new_usage(have: str | None, usage: str | None) -> bool:
    """Whether the source counts a usage the entry does not have (one usage JSON text is
    written by one encoder, so equal values are equal texts unless the entry was written
    another way: then the values are compared)."""
    if usage is None or have == usage:
        return False
    return have is None or _json.loads(have) != _json.loads(usage)


def _comparable(source: Any) -> Any:
    """What of a thread's ``metadata["source"]`` a re-import compares: not what threadtree adds
    to a file or keeps about it (the digest, the name of the thread a file was exported from),
    so that a file saying the same in other bytes (an export of the thread, reformatted JSON)
    changes nothing. Those are written along with a change, never alone."""
    if not isinstance(source, dict):
        return source
    kept = {k: v for k, v in source.items() if k != "digest"}
    header = kept.get("header")
    if isinstance(header, dict) and EXPORTED_FROM in header:
        kept["header"] = {k: v for k, v in header.items() if k != EXPORTED_FROM}
    return kept


def _origin_thread(tx: Tx, conv: Conversation, planned: Plan) -> imports.ThreadRow | None:
    """The thread the conversation was exported from (``exported_from``), when it is
    in this file and every node the conversation shares with it (by id) has the same parent and
    text there: another file's thread that happens to have the same id is not it."""
    if not isinstance(conv.exported_from, str):
        return None
    found = imports.thread(tx, conv.exported_from)
    if found is None:
        return None
    tid = found.id
    ids: dict[int, str] = {}
    known: dict[str, tuple[int | None, str]] = {}  # node id -> (parent entry id, content)
    for entry in imports.entries(tx, tid):
        node_id = entry.source_id or exported_id(tid, entry.id)
        ids[entry.id] = node_id
        known[node_id] = (entry.parent_id, entry.content)
    by_node = {node.source_id: node for node in planned.order}
    for sid, node in by_node.items():
        if sid not in known:
            continue
        parent, content = known[sid]
        if content != node.content or (ids.get(parent) if parent is not None else None) != planned.parents[sid]:
            planned.notes.append(
                f"thread {tid!r} that this file was exported from differs from it at node {sid}; "
                "imported as a new thread"
            )
            return None
    return found


def _same_parent(
    tid: str, sid: str, parent_sid: str | None, eid: int, e_parent: int | None, parent_id: int | None
) -> None:
    if e_parent != parent_id:
        raise Skip(
            f"node {sid} has parent {parent_sid} in the file, but its entry {eid} in thread "
            f"{tid!r} has another parent; entries never move: delete the thread to import it again"
        )


def _unsourced(tx: Tx, tid: str, existing: dict[str, imports.SourceEntry]) -> dict[str, imports.Shape]:
    """The thread's entries without a source id, by the id an exporter gives them."""
    sourced = {entry.id for entry in existing.values()}
    return {exported_id(tid, shape.id): shape for shape in imports.shapes(tx, tid) if shape.id not in sourced}


def _write_back(
    tx: Tx,
    conv: Conversation,
    planned: Plan,
    thread_row: imports.ThreadRow,
    added: int,
    leaf: int | None,
    now: float,
) -> Outcome:
    """Finish a conversation matched to the thread it was exported from: its own title, metadata
    and source stay; when the file adds entries, the live leaf goes where the file has it."""
    tid, title = thread_row.id, thread_row.title
    notes = list(planned.notes)
    if not added:
        return Outcome(conv.where, "unchanged", tid, title, 0, 0, None, notes)
    imports.update_thread(
        tx,
        tid,
        title=title,
        metadata=thread_row.metadata,
        updated_at=now,
        archived_at=thread_row.archived_at,
        old_leaf=thread_row.leaf_id,
        leaf=leaf,
        reason="import",
        now=now,
    )
    return Outcome(conv.where, "updated", tid, title, added, 0, None, notes)


def _wished_id(tx: Tx, wish: str | None, notes: list[str]) -> str | None:
    """The id a new thread takes: the conversation's wish when it is a usable id no thread
    has, else ``None`` (a random one), with a note saying why."""
    if wish is None:
        return None
    try:
        wish = _validate.thread_id(wish)
    except InvalidInput as exc:
        notes.append(f"the thread cannot take the id {wish!r} ({exc}); it has a new one")
        return None
    if imports.thread(tx, wish) is not None:
        notes.append(f"a thread {wish!r} exists already (not imported from here); the import made a new one")
        return None
    return wish


def _first(*values: float | None) -> float:
    return next(v for v in values if v is not None)


# Conversations written in one transaction: up to this many nodes (or conversations). Small
# conversations (an llm exchange, a LangGraph thread) then cost a commit's sync a batch, not each.
_BATCH_NODES = 2000
_BATCH_CONVERSATIONS = 200


def outcomes_of(
    store: Store,
    read: Iterable[Any],
    writer: Any,
    progress: Callable[[Outcome, int], None] | None = None,
) -> list[Outcome]:
    """Write what a reader gives, conversation by conversation, each whole or not at all. With
    the engine's own writer, consecutive small conversations are read first and committed
    together (:func:`_write_together`). A file that stops being readable half-way (an I/O
    error) keeps what was imported before and reports the rest. ``progress`` is told of each
    outcome and the number of messages read for it."""
    from ._model import Skipped

    results: list[Outcome] = []
    conversations = iter(read)
    batched = writer is write_conversation
    ended, pending = False, None
    while not ended:
        batch: list[tuple[Any, int]] = []
        keys: set[tuple[str, str]] = set()
        size = 0
        stopped = None
        while not batch or (batched and size < _BATCH_NODES and len(batch) < _BATCH_CONVERSATIONS):
            # (a writer of its own, such as the jsonl restore's, writes one conversation at a time)
            try:
                got, pending = (next(conversations), None) if pending is None else (pending, None)
            except StopIteration:
                ended = True
                break
            except OSError as exc:
                stopped = Outcome("file", "skipped", reason=f"reading stopped: {exc.strerror or exc}")
                ended = True
                break
            if isinstance(got, Conversation) and type(got.format) is str and type(got.source_id) is str:
                key = (got.format, got.source_id)
                if key in keys:  # given twice: planned again once the first is written
                    pending = got
                    break
                keys.add(key)
            count = len(getattr(got, "nodes", None) or getattr(got, "entries", None) or ())
            batch.append((got, count))
            size += count
        prepared: list[Outcome | _Ready] = []
        for got, _ in batch:
            if isinstance(got, Skipped):
                prepared.append(Outcome(got.where, "skipped", reason=got.reason))
            elif batched:
                prepared.append(_prepare(store, got))
            else:
                prepared.append(writer(store, got))
        for outcome, (_, count) in zip(_write_together(store, prepared), batch):
            results.append(outcome)
            if progress is not None:
                progress(outcome, count)
        if stopped is not None:
            results.append(stopped)
    return results
