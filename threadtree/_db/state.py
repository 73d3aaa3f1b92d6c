"""Storage functions of agent state: checkpoints, the event log, tool calls.

Each takes the caller's open transaction; writes run inside ``db.write()``, so "read the last
seq, then insert the next" and "read a tool call's status, then move it" happen under the
write lock (SQLite) or the thread's row lock (a server): no two writers hand out one seq, and
of two racing status moves the second sees the first's status.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import Conflict, InvalidInput, NotFound
from ..records import Checkpoint, Event, ToolCall
from .engine import Tx
from .tree import leaf, place

__all__ = [
    "checkpoint",
    "checkpoint_lineage",
    "checkpoint_parent_check",
    "checkpoint_to_resume",
    "checkpoints",
    "delete_checkpoint",
    "delete_events_before",
    "entry_in_thread",
    "events",
    "insert_event",
    "insert_tool_call",
    "last_seq",
    "save_checkpoint",
    "tool_call",
    "tool_calls",
    "update_tool_call",
]


def entry_in_thread(tx: Tx, eid: int, tid: str, field: str) -> None:
    """NotFound if entry ``eid`` does not exist, InvalidInput if it is in another thread."""
    owner = place(tx, eid, field).thread_id
    if owner != tid:
        raise InvalidInput(f"{field} {eid} belongs to thread {owner!r}, not {tid!r}")


# -- checkpoints --


def checkpoint_parent_check(tx: Tx, tid: str, cid: str, parent: str) -> tuple[bool, bool]:
    """Whether ``parent`` is a checkpoint of the thread, and whether ``cid`` is some
    checkpoint's parent there (only then can ``parent`` descend from it)."""
    row = tx.one("checkpoint_parent_check", {"thread_id": tid, "checkpoint_id": cid, "parent_checkpoint_id": parent})
    assert row is not None  # the query has no FROM: always one row
    return bool(row[0]), bool(row[1])


def checkpoint_lineage(tx: Tx, tid: str, cid: str) -> list[str]:
    """The checkpoint and its ancestors' ids ([] if there is no such checkpoint)."""
    return [cp for (cp,) in tx.rows("checkpoint_lineage", {"thread_id": tid, "checkpoint_id": cid})]


def save_checkpoint(
    tx: Tx,
    tid: str,
    cid: str,
    eid: int | None,
    parent: str | None,
    state_json: str,
    state: Any,
) -> Checkpoint:
    now = time.time()
    tx.run(
        "checkpoint_save",
        {
            "thread_id": tid,
            "checkpoint_id": cid,
            "entry_id": eid,
            "parent_checkpoint_id": parent,
            "state": state_json,
            "now": now,
        },
    )
    return Checkpoint(tid, cid, eid, parent, state, now)


def checkpoint(tx: Tx, tid: str, cid: str) -> Checkpoint | None:
    row = tx.one("checkpoint_get", {"thread_id": tid, "checkpoint_id": cid})
    return None if row is None else Checkpoint.from_row(row)


def checkpoint_to_resume(tx: Tx, tid: str, leaf_id: int | None) -> Checkpoint | None:
    """The newest checkpoint pinned on the path to ``leaf_id``, else the newest unpinned one."""
    row = tx.one("checkpoint_resume", {"thread_id": tid, "leaf_id": leaf_id})
    return None if row is None else Checkpoint.from_row(row)


def checkpoints(tx: Tx, tid: str, limit: int | None) -> list[Checkpoint]:
    """The thread's checkpoints, newest first (run in a snapshot: NotFound for no thread)."""
    rows = tx.all("checkpoint_list", {"thread_id": tid, "limit": -1 if limit is None else limit})
    if not rows:
        leaf(tx, tid)  # NotFound for an unknown thread; else none saved
    return [Checkpoint.from_row(row) for row in rows]


def delete_checkpoint(tx: Tx, tid: str, cid: str) -> None:
    leaf(tx, tid)
    # The count is of the deleted row only: trigger and cascade changes are not included.
    if not tx.run("checkpoint_delete", {"thread_id": tid, "checkpoint_id": cid}):
        raise NotFound(f"thread {tid!r} has no checkpoint {cid!r}")


# -- events --


def last_seq(tx: Tx, tid: str) -> int:
    """The highest seq the thread has handed out (0: none); NotFound for no thread."""
    row = tx.one("event_last_seq", {"thread_id": tid})
    if row is None:
        raise NotFound(f"thread {tid!r} does not exist")
    return max(row)


def insert_event(tx: Tx, tid: str, kind: str, data_json: str | None) -> int:
    """Add the next event of the thread's log; return its seq."""
    seq = last_seq(tx, tid) + 1
    tx.run("event_insert", {"thread_id": tid, "seq": seq, "type": kind, "data": data_json, "now": time.time()})
    return seq


def events(tx: Tx, tid: str, after: int, limit: int | None) -> list[Event]:
    """The events above ``after``, oldest first (run in a snapshot: NotFound for no thread)."""
    rows = tx.all("event_list", {"thread_id": tid, "after": after, "limit": -1 if limit is None else limit})
    if not rows:
        leaf(tx, tid)
    return [Event.from_row(row) for row in rows]


def delete_events_before(tx: Tx, tid: str, seq: int) -> int:
    """Delete the events below ``seq``, keeping the seq counter where it was; return how many."""
    last = last_seq(tx, tid)
    deleted = tx.run("event_delete_before", {"thread_id": tid, "seq": seq})
    if deleted:
        tx.run("event_set_floor", {"thread_id": tid, "last_seq": last})
    return deleted


# -- tool calls --


def tool_call(tx: Tx, cid: str) -> ToolCall | None:
    row = tx.one("tool_call_get", {"call_id": cid})
    return None if row is None else ToolCall.from_row(row)


def tool_call_in_thread(tx: Tx, tid: str, cid: str) -> ToolCall | None:
    """The call ``cid`` of thread ``tid``, read under that thread's write lock: what
    :func:`update_tool_call` compares and sets (:func:`tool_call` finds the thread first)."""
    row = tx.one("tool_call_in_thread", {"thread_id": tid, "call_id": cid})
    return None if row is None else ToolCall.from_row(row)


def insert_tool_call(tx: Tx, tid: str, cid: str, eid: int | None, name: str, params_json: str, params: Any) -> ToolCall:
    """A new pending call. Conflict if ``cid`` is taken (in any thread)."""
    taken = tool_call(tx, cid)
    if taken is not None:
        raise Conflict(f"tool call {cid!r} already exists (in thread {taken.thread_id!r})")
    now = time.time()
    tx.run(
        "tool_call_insert",
        {
            "call_id": cid,
            "thread_id": tid,
            "entry_id": eid,
            "name": name,
            "parameters": params_json,
            "now": now,
        },
    )
    return ToolCall(tid, cid, name, params, "pending", eid, None, None, now, now, None, None)


def update_tool_call(
    tx: Tx,
    tid: str,
    cid: str,
    from_status: str,
    status: str,
    result_json: str | None,
    error: str | None,
) -> ToolCall:
    """Move the call from ``from_status`` (compare-and-set) and record its outcome."""
    row = tx.one(
        "tool_call_update",
        {
            "thread_id": tid,
            "call_id": cid,
            "from_status": from_status,
            "status": status,
            "result": result_json,
            "error": error,
            "now": time.time(),
        },
    )
    if row is None:  # cannot happen under the write lock; never write on a stale read
        raise Conflict(f"tool call {cid!r} changed while it was being updated; nothing was written")
    return ToolCall.from_row(row)


def tool_calls(tx: Tx, tid: str, status: str | None) -> list[ToolCall]:
    """The thread's calls (in ``status`` only, if given), oldest first (run in a snapshot)."""
    if status is None:
        rows = tx.all("tool_call_list", {"thread_id": tid})
    else:
        rows = tx.all("tool_call_list_status", {"thread_id": tid, "status": status})
    if not rows:
        leaf(tx, tid)  # NotFound for an unknown thread
    return [ToolCall.from_row(row) for row in rows]
