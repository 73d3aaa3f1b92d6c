"""Storage functions of the tree: entries, the current leaf and its history.

Each takes the open transaction (:class:`~threadtree._db.engine.Tx`) of the caller, which
chose its kind: a write function runs inside ``db.write()``, a read of several statements
inside ``db.snapshot()``. They read what they depend on (the current leaf above all) inside
that transaction, raise :class:`~threadtree.NotFound` for an id that does not exist and
:class:`~threadtree.Conflict` for a lost compare-and-set, and check nothing else: input was
checked above (``threadtree._validate``).
"""

from __future__ import annotations

import array
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

import orjson

from .. import _json
from .._sentinel import LEAF, UNCHECKED
from .._validate import Message
from ..errors import Conflict, InvalidInput, NotFound
from ..records import Entry, GcPaused, LeafMove
from .adding import add_in_one
from .engine import Tx, UniqueViolation
from .moves import move_leaf, next_move, record_leaf_move

__all__ = [
    "LiveItems",
    "add",
    "check_expected",
    "common_ancestor",
    "delete_branch",
    "entries_in",
    "entries_of",
    "entry",
    "find_entry",
    "fork",
    "leaf",
    "leaf_history",
    "live_items",
    "move_leaf",
    "move_leaf_checked",
    "next_move",
    "path_to",
    "record_leaf_move",
    "place",
    "redo",
    "usage_rows",
]

NO_LIMIT = 2**63 - 1


class Leaf(NamedTuple):
    """A thread's current leaf and its depth (both ``None`` for an empty live path)."""

    id: int | None
    depth: int | None


class Place(NamedTuple):
    """Where an entry sits: its thread, its parent (``None`` for a root) and its depth."""

    thread_id: str
    parent_id: int | None
    depth: int


class LiveItems(NamedTuple):
    """What an agent session reads of the live path: the current leaf, the ids of the
    visible entries and their parents' ids (0 for a root) in arrays, and their items."""

    leaf: int | None
    ids: array.array[int]
    parents: array.array[int]
    items: list[Any]


# -- lookups --


def leaf(tx: Tx, tid: str) -> Leaf:
    """The thread's current leaf; NotFound if there is no such thread."""
    row = tx.one("thread_leaf", {"thread_id": tid})
    if row is None:
        raise NotFound(f"thread {tid!r} does not exist")
    return Leaf(*row)


def place(tx: Tx, eid: int, field: str | None = None) -> Place:
    """Where the entry sits; NotFound (naming ``field`` if given) if there is no such entry."""
    row = tx.one("entry_place", {"entry_id": eid})
    if row is None:
        named = "" if field is None else f" ({field})"
        raise NotFound(f"entry {eid}{named} does not exist")
    return Place(*row)


def entry(tx: Tx, eid: int) -> Entry:
    row = tx.one("get_entry", {"entry_id": eid})
    if row is None:
        raise NotFound(f"entry {eid} does not exist")
    return Entry.from_row(row)


def find_entry(tx: Tx, tid: str, source_id: str) -> Entry:
    """The thread's entry with this source_id (run in a snapshot: two statements)."""
    row = tx.one("find_entry", {"thread_id": tid, "source_id": source_id})
    if row is None:
        leaf(tx, tid)  # NotFound for an unknown thread
        raise NotFound(f"thread {tid!r} has no entry with source_id {source_id!r}")
    return Entry.from_row(row)


# -- writing --


def check_expected(tid: str, current: int | None, expected: Any) -> None:
    """Conflict unless ``expected`` is UNCHECKED or the current leaf."""
    if expected is not UNCHECKED and expected != current:
        at = "an empty path" if current is None else f"entry {current}"
        raise Conflict(f"thread {tid!r} is at {at}, not at expected_leaf_id {expected}")


def add(
    tx: Tx,
    tid: str,
    parent: Any,
    expected: Any,
    messages: list[Message],
    reason: str,
    merged_from: int | None = None,
    *,
    parent_place: Place | None = None,
    moves_on_entries: bool = False,
    in_one: bool = True,
) -> list[Entry]:
    """Insert ``messages`` as a chain under ``parent`` (``LEAF``: the current leaf; ``None``: a
    new root) and move the leaf to the last one. A retry (every source_id already there, with
    the same message) writes nothing and returns the entries written the first time.
    ``merged_from``: the branch tip the new entries summarize (a merge). ``parent_place``: the
    parent's place, when the caller has read it already. ``moves_on_entries``: the engine keeps
    an append's or a fork's leaf move on its entry (``Features.moves_on_entries``).
    ``in_one=False``: the caller tried :func:`~.adding.add_in_one` already (see :func:`fork`)."""
    if in_one and len(messages) == 1 and messages[0].source_id is None and tx.features.add_in_one:
        done = add_in_one(tx, tid, parent, expected, messages[0], reason, merged_from)
        if done is not None:
            return [done]
    if messages and messages[0].source_id is not None:
        existing = _existing(tx, tid, messages)
        if existing is not None:
            return existing
    if moves_on_entries:  # the seq of the next move comes with the leaf: one statement less
        row = tx.one("thread_leaf_seq", {"thread_id": tid})
        if row is None:
            raise NotFound(f"thread {tid!r} does not exist")
        current, current_depth, last_seq = row
    else:
        current, current_depth = leaf(tx, tid)
    check_expected(tid, current, expected)
    if parent is LEAF:
        parent, depth = current, 0 if current_depth is None else current_depth + 1
    elif parent is None:
        depth = 0
    else:
        parent_tid, _, parent_depth = parent_place or place(tx, parent, "parent_id")
        if parent_tid != tid:
            raise InvalidInput(f"parent_id {parent} belongs to thread {parent_tid!r}, not {tid!r}")
        depth = parent_depth + 1
    if not messages:
        return []
    now = time.time()
    added = []
    # One entry that becomes the leaf, by the rule of migration 0011: its move goes in with it.
    kept = (
        moves_on_entries
        and len(messages) == 1
        and ((reason == "append" and parent == current) or (reason == "fork" and current is not None))
    )
    for message in messages:
        bindings = {
            "id": None,
            "thread_id": tid,
            "parent_id": parent,
            "role": message.role,
            "content": message.content,
            "item": message.item_json,
            "now": now,
            "depth": depth,
            "source_id": message.source_id,
            "hidden": message.hidden,
            "content_path": message.content_path,
            "usage": message.usage_json,
            "merged_from": merged_from,
        }
        if kept:
            bindings |= {"move_seq": last_seq + 1, "move_from": current if reason == "fork" else None}
        try:
            new_id = tx.value("insert_moved_entry" if kept else "insert_entry", bindings)
        except UniqueViolation as exc:
            if message.source_id is None or "source_id" not in exc.detail:
                raise
            # An earlier message without a source_id came first, so _existing did not look.
            raise Conflict(f"thread {tid!r} already has an entry with source_id {message.source_id!r}") from None
        added.append(
            Entry(
                new_id,
                tid,
                parent,
                message.role,
                message.content,
                message.item,
                now,
                depth,
                message.source_id,
                message.hidden,
                message.usage,
                merged_from,
            )
        )
        parent, depth = new_id, depth + 1
    # Under the current leaf, the live branch only grows: nothing is left behind to remember.
    remember = added[0].parent_id != current
    if not kept:
        move_leaf(tx, tid, current, parent, reason, now, remember=remember)
        return added
    tx.run("move_leaf", {"thread_id": tid, "leaf_id": parent, "now": now})
    if remember:
        tx.run("remember_left_leaf", {"thread_id": tid, "entry_id": current, "seq": last_seq + 1})
    return added


def fork(tx: Tx, eid: int, expected: Any, message: Message, *, moves_on_entries: bool = False) -> Entry:
    """Add ``message`` as a new child of ``eid``, in its thread, and move the leaf to it. Where the
    engine adds in one statement, that statement finds the thread itself (one round trip); it
    leaves every error to the plain path, which reads the parent's place first."""
    if message.source_id is None and tx.features.add_in_one:
        done = add_in_one(tx, None, eid, expected, message, "fork", None)
        if done is not None:
            return done
    where = place(tx, eid)
    return add(
        tx,
        where.thread_id,
        eid,
        expected,
        [message],
        "fork",
        parent_place=where,
        moves_on_entries=moves_on_entries,
        in_one=False,
    )[0]


def _existing(tx: Tx, tid: str, messages: list[Message]) -> list[Entry] | None:
    """The entries ``messages`` were already written as (a retry), or ``None`` if none of
    them was. Conflict when a source_id is taken by a different entry, or some but not all
    of the messages exist."""
    found: list[Entry] = []
    for index, message in enumerate(messages):
        row = (
            None
            if message.source_id is None
            else tx.one("find_entry", {"thread_id": tid, "source_id": message.source_id})
        )
        if row is None:
            if found:
                raise Conflict(
                    f"messages[{index}] is new but the messages before it exist already in thread "
                    f"{tid!r}: retry an extend with the same messages, or extend with the new ones"
                )
            if index == 0:
                leaf(tx, tid)  # NotFound for an unknown thread
                return None
            continue
        have = Entry.from_row(row)
        differs = [
            field
            for field, a, b in (
                ("role", have.role, message.role),
                ("content", have.content, message.content),
                ("item", have.item, message.item),
                ("usage", have.usage, message.usage),
            )
            if a != b
        ]
        if differs:
            raise Conflict(
                f"thread {tid!r} already has entry {have.id} with source_id {message.source_id!r} "
                f"and a different {' and '.join(differs)}"
            )
        found.append(have)
    return found


def move_leaf_checked(tx: Tx, tid: str, target: int | None, expected: Any, reason: str) -> Entry | None:
    """Move the leaf to ``target`` (an entry of the thread, or ``None``: an empty path), with
    compare-and-set against ``expected`` unless it is UNCHECKED; record it as ``reason``.
    Returns the target entry."""
    if expected is UNCHECKED:
        current = leaf(tx, tid).id
    found = None
    if target is not None:
        try:
            found = entry(tx, target)
        except NotFound:
            leaf(tx, tid)  # an unknown thread is named first
            raise
        if found.thread_id != tid:
            leaf(tx, tid)
            raise InvalidInput(f"entry_id {target} belongs to thread {found.thread_id!r}, not {tid!r}")
    if expected is UNCHECKED:
        move_leaf(tx, tid, current, target, reason)
        return found
    # Compare-and-set in one statement: what sessions do on every fork_at and rewind.
    now = time.time()
    seq = next_move(tx, tid) if expected != target else 0
    if not tx.run("move_leaf_from", {"thread_id": tid, "leaf_id": target, "expected_id": expected, "now": now}):
        check_expected(tid, leaf(tx, tid).id, expected)  # NotFound, else Conflict
        raise AssertionError("the compare-and-set failed for no reason")  # pragma: no cover
    if expected != target:
        record_leaf_move(tx, tid, seq, expected, target, reason, now)
    return found


def redo(tx: Tx, tid: str) -> Entry | None:
    """One step toward where the leaf was before its latest backward move, if the leaf is
    still on the path to it; ``None`` when there is nothing to redo."""
    current = leaf(tx, tid).id
    behind = set() if current is None else {e.id for e in path_to(tx, current, None)}
    for (target,) in tx.all("backward_moves", {"thread_id": tid}):
        if target in behind:
            continue  # redone up to or past it already: an older rewind may go further
        path = path_to(tx, target, None)
        ids = [e.id for e in path]
        if not path or path[0].thread_id != tid or (current is not None and current not in ids):
            return None  # deleted since, or the leaf has left that path
        step = path[0] if current is None else path[ids.index(current) + 1]
        move_leaf(tx, tid, current, step.id, "redo", remember=False)
        return step
    return None


def delete_branch(tx: Tx, eid: int) -> int:
    """Delete the entry and its descendants (moving the leaf up out of them); return how many."""
    tid, parent, _ = place(tx, eid)
    current = leaf(tx, tid).id
    inside = current is not None and tx.value("is_ancestor", {"entry_id": current, "ancestor_id": eid})
    move_leaf(tx, tid, current, parent if inside else current, "delete_branch", remember=False)
    return tx.run("delete_subtree", {"entry_id": eid})


# -- reading --


def _root_first(rows: list[tuple[Any, ...]], sort_key: int) -> list[tuple[Any, ...]]:
    """The rows of a walk up from an entry (leaf first), root first. Reversed, the ids grow;
    SQL promises no order without ORDER BY, so check it (cheap) and sort if a future engine
    differs."""
    rows.reverse()
    if any(a[0] >= b[0] for a, b in zip(rows, rows[1:])):
        rows.sort(key=lambda row: row[sort_key])
    return rows


def path_to(tx: Tx, eid: int, limit: int | None) -> list[Entry]:
    """The entry and its ancestors (the last ``limit`` of them), root first; [] if no entry."""
    rows = tx.all("path_to", {"entry_id": eid, "limit": NO_LIMIT if limit is None else limit})
    return Entry.from_rows(_root_first(rows, 7))  # 7: depth


def live_items(tx: Tx, tid: str, limit: int | None = None) -> LiveItems:
    """For agent sessions (run in a snapshot): the visible entries of the live path, the last
    ``limit`` entries of it only (hidden ones count). Ids in arrays, not tuples: a session
    keeps them, and cutting thousands off an array frees no objects. An entry without an item
    (or with one that is not a dict) gives ``{"role", "content"}``, as ``Store.messages``
    does. No records are built: this is the read behind every agent run."""
    current = leaf(tx, tid).id
    ids, parents = array.array("q"), array.array("q")
    items: list[Any] = []
    if current is None:
        return LiveItems(None, ids, parents, items)
    rows = tx.all("live_items", {"entry_id": current, "limit": NO_LIMIT if limit is None else limit})
    loads, load_item = orjson.loads, _json.load_item
    add_id, add_parent, add_item = ids.append, parents.append, items.append
    with GcPaused():
        for eid, parent, hidden, role, content, item, path in _root_first(rows, 0):
            if hidden:
                continue
            add_id(eid)
            add_parent(parent or 0)
            value = (None if item is None else loads(item)) if path is None else load_item(item, path, content)
            add_item(value if type(value) is dict else {"role": role, "content": content})
    return LiveItems(current, ids, parents, items)


def entries_of(tx: Tx, query: str, eid: int) -> list[Entry]:
    """The entries ``query`` gives for an entry (children, siblings, subtree; run in a
    snapshot); NotFound for an unknown entry."""
    found = Entry.from_rows(tx.rows(query, {"entry_id": eid}))
    if not found:
        place(tx, eid)  # NotFound for an unknown entry; else a childless one
    return found


def entries_in(tx: Tx, query: str, tid: str) -> list[Entry]:
    """The entries ``query`` gives for a thread (every entry, leaves; run in a snapshot);
    NotFound for an unknown thread."""
    found = Entry.from_rows(tx.rows(query, {"thread_id": tid}))
    if not found:
        leaf(tx, tid)  # NotFound for an unknown thread; else an empty one
    return found


def common_ancestor(tx: Tx, a: int, b: int) -> Entry | None:
    place(tx, a)
    place(tx, b)
    row = tx.one("common_ancestor", {"a_id": a, "b_id": b})
    return None if row is None else Entry.from_row(row)


def leaf_history(tx: Tx, tid: str, limit: int | None) -> list[LeafMove]:
    leaf(tx, tid)
    rows = tx.rows("leaf_history", {"thread_id": tid, "limit": -1 if limit is None else limit})
    return [LeafMove(*row) for row in rows]


def usage_rows(tx: Tx, tid: str, live_path_only: bool) -> Iterable[tuple[str]]:
    """The usage JSON of the thread's entries (of the live path only, or of every branch)."""
    current = leaf(tx, tid).id
    if not live_path_only:
        return tx.rows("usage_thread", {"thread_id": tid})
    if current is None:
        return ()
    return tx.rows("usage_live_path", {"entry_id": current})


def graph_rows(tx: Tx, tid: str) -> list[tuple[Any, ...]]:
    """(id, parent id, role, content, created_at, depth, hidden) of every entry of the
    thread, in id order: raw rows for the graph (nothing here trusts the tree queries)."""
    return tx.all("thread_rows", {"thread_id": tid})
