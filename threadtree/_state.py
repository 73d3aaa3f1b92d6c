"""Agent state kept beside a thread's tree: checkpoints, an event log, tool calls (issue 8).

A mixin of :class:`threadtree.Store`; its methods are the store's, written under the store's
rules: input checked first (:class:`InvalidInput` naming the argument), then one ``BEGIN
IMMEDIATE`` transaction that reads what it depends on under the write lock; an unknown thread
raises :class:`NotFound`. Every row goes with its thread when the thread is deleted. None of
these calls changes the thread itself (its ``updated_at`` included).

checkpoint
    A named snapshot of agent state (any JSON value), unique per thread. Saving under an
    existing name replaces it (state, pin, parent) and makes it the newest. It may be *pinned*
    to an entry (it goes when that entry's branch is deleted) and may name a *parent*
    checkpoint (deleting a checkpoint re-attaches its children to its own parent; no cycles).
event
    One line of a thread's append-only log, numbered 1, 2, 3... without gaps by the writer
    that holds the write lock; compaction deletes old events but never lets a number be
    handed out again.
tool call
    A call an agent wants to make, with its lifecycle
    ``pending -> approved | denied; approved -> executing -> completed | failed``. A move is a
    compare-and-set under the write lock: of two processes approving and denying at once,
    exactly one wins and the other gets :class:`InvalidInput` naming the illegal move.
"""

from __future__ import annotations

import time
from typing import Any

from . import _json, _sql, _validate
from ._tx import _Snapshot, _Write
from .errors import Conflict, InvalidInput, NotFound
from .records import Checkpoint, Event, ToolCall

q = _sql.query

_MIN_SEQ = -(2**63)
_MAX_SEQ = 2**63 - 1

TOOL_CALL_STATUSES = ("pending", "approved", "denied", "executing", "completed", "failed")
"""Every status of a tool call, in lifecycle order."""

_NEXT_STATUS: dict[str, tuple[str, ...]] = {
    "pending": ("approved", "denied"),
    "approved": ("executing",),
    "executing": ("completed", "failed"),
    "denied": (),
    "completed": (),
    "failed": (),
}

# Where a result or an error belongs: the status the call has (or moves to) in that call.
_RESULT_STATUSES = ("completed",)
_ERROR_STATUSES = ("failed", "denied")


# -- checks of input (see _validate for the shared ones) --


def _checked_name(value: Any, field: str, max_size: int) -> str:
    """A non-blank string no longer than the store's max_size: an id, a type, a tool name."""
    value = _validate.name(value, field)
    _validate.size(value, field, max_size)
    return value


def _checked_json(value: Any, field: str, max_size: int) -> tuple[str, Any]:
    """(JSON text, the value as it will read back) for any JSON value."""
    text, copy = _json.dumps(value, field)
    _validate.size(text, field, max_size, "bytes of JSON")
    return text, copy


def _checked_seq(value: Any, field: str) -> int:
    """Any int SQLite can compare with a seq (signed 64-bit)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an int, not {type(value).__name__} {_validate._short(value)}")
    if not _MIN_SEQ <= value <= _MAX_SEQ:
        raise InvalidInput(f"{field} must be a signed 64-bit int, not {value}")
    return value


def _checked_status(value: Any, field: str = "status") -> str:
    if not isinstance(value, str) or value not in _NEXT_STATUS:
        raise InvalidInput(
            f"{field} must be one of {', '.join(map(repr, TOOL_CALL_STATUSES))}, not {_validate._short(value)}"
        )
    return value


class AgentState:
    """Checkpoints, events and tool calls (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    # -- checkpoints --

    def save_checkpoint(
        self, thread_id: str, checkpoint_id: str, state: Any, *, entry_id: int | None = None,
        parent_checkpoint_id: str | None = None,
    ) -> Checkpoint:
        """Save agent state under ``checkpoint_id`` in the thread; return the checkpoint.

        An existing checkpoint of that id is replaced whole (state, ``entry_id``,
        ``parent_checkpoint_id``); its ``created_at`` becomes now and it becomes the thread's
        newest checkpoint, as a new one would.

        :param state: any JSON value (``None`` included) that comes back equal.
        :param entry_id: pin the checkpoint to this entry of the thread (deleting the entry's
            branch deletes the checkpoint); ``None``: unpinned.
        :param parent_checkpoint_id: the checkpoint of the same thread this one derives from.
        :raises NotFound: the thread, ``entry_id`` or ``parent_checkpoint_id`` does not exist.
        :raises InvalidInput: a bad id, a state JSON cannot hold exactly, ``entry_id`` in
            another thread, or a parent that is the checkpoint itself or one of its descendants.

        >>> thread = store.create_thread()
        >>> hi = store.append(thread.id, "user", "hi")
        >>> store.save_checkpoint(thread.id, "step-1", {"todo": ["reply"]}, entry_id=hi.id).state
        {'todo': ['reply']}
        """
        tid = _validate.thread_id(thread_id)
        cid = _checked_name(checkpoint_id, "checkpoint_id", self._max_size)
        state_json, state_copy = _checked_json(state, "state", self._max_size)
        eid = _validate.optional_entry_id(entry_id, "entry_id")
        parent = None
        if parent_checkpoint_id is not None:
            parent = _checked_name(parent_checkpoint_id, "parent_checkpoint_id", self._max_size)
            if parent == cid:
                raise InvalidInput(f"parent_checkpoint_id {parent!r} is the checkpoint itself")
        with _Write(self) as conn:
            self._leaf(conn, tid)
            if eid is not None:
                self._entry_in_thread(conn, eid, tid, "entry_id")
            if parent is not None:
                lineage = [row[0] for row in conn.execute(
                    q("checkpoint_lineage"), {"thread_id": tid, "checkpoint_id": parent}
                )]
                if not lineage:
                    raise NotFound(f"checkpoint {parent!r} (parent_checkpoint_id) does not exist in thread {tid!r}")
                if cid in lineage:
                    raise InvalidInput(
                        f"parent_checkpoint_id {parent!r} descends from checkpoint {cid!r}: "
                        "a checkpoint cannot be its own ancestor"
                    )
            now = time.time()
            conn.execute(q("checkpoint_save"), {
                "thread_id": tid, "checkpoint_id": cid, "entry_id": eid,
                "parent_checkpoint_id": parent, "state": state_json, "now": now,
            })
            return Checkpoint(tid, cid, eid, parent, state_copy, now)

    def load_checkpoint(self, thread_id: str, checkpoint_id: str | None = None) -> Checkpoint:
        """The checkpoint ``checkpoint_id`` of the thread, or (``None``) the one to resume from.

        The one to resume from is the newest (most recently saved) checkpoint pinned to an
        entry of the live path (the current leaf and its ancestors); if there is none, the
        newest unpinned one. Checkpoints pinned to other branches are passed over: after a
        rewind or a fork, the agent resumes from state that matches the conversation.

        :raises NotFound: the thread does not exist, or has no such checkpoint (or none to
            resume from).

        >>> thread = store.create_thread()
        >>> _ = store.save_checkpoint(thread.id, "start", {"step": 0})
        >>> store.load_checkpoint(thread.id).checkpoint_id
        'start'
        """
        tid = _validate.thread_id(thread_id)
        cid = None if checkpoint_id is None else _validate.name(checkpoint_id, "checkpoint_id")
        with _Snapshot(self) as conn:
            leaf, _ = self._leaf(conn, tid)
            if cid is not None:
                row = conn.execute(q("checkpoint_get"), {"thread_id": tid, "checkpoint_id": cid}).get
                if row is None:
                    raise NotFound(f"thread {tid!r} has no checkpoint {cid!r}")
            else:
                row = conn.execute(q("checkpoint_resume"), {"thread_id": tid, "leaf_id": leaf}).get
                if row is None:
                    raise NotFound(
                        f"thread {tid!r} has no checkpoint to resume from "
                        "(none on its live path and none unpinned)"
                    )
            return Checkpoint.from_row(row)

    def list_checkpoints(self, thread_id: str, *, limit: int | None = 100) -> list[Checkpoint]:
        """The thread's checkpoints, newest (most recently saved) first.

        :param limit: at most this many (``None``: all).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``limit`` below 1.
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        with _Snapshot(self) as conn:
            rows = conn.execute(q("checkpoint_list"), {"thread_id": tid, "limit": -1 if n is None else n}).fetchall()
            if not rows:
                self._leaf(conn, tid)  # NotFound for an unknown thread; else none saved
            return [Checkpoint.from_row(row) for row in rows]

    def delete_checkpoint(self, thread_id: str, checkpoint_id: str) -> None:
        """Delete a checkpoint. Checkpoints whose parent it was get its own parent instead.

        :raises NotFound: the thread or the checkpoint does not exist.
        """
        tid = _validate.thread_id(thread_id)
        cid = _validate.name(checkpoint_id, "checkpoint_id")
        with _Write(self) as conn:
            self._leaf(conn, tid)
            conn.execute(q("checkpoint_delete"), {"thread_id": tid, "checkpoint_id": cid})
            # changes() counts the deleted row only: trigger and cascade changes are not included.
            if conn.changes() == 0:
                raise NotFound(f"thread {tid!r} has no checkpoint {cid!r}")

    # -- events --

    def append_event(self, thread_id: str, type: str, data: Any = None) -> int:
        """Add an event to the thread's log; return its seq.

        Seqs run 1, 2, 3... per thread without gaps and in commit order, however many
        processes append at once; a seq is never handed out twice, not even after
        :meth:`delete_events_before` deleted every event.

        :param type: what happened (a non-empty string of your choosing).
        :param data: any JSON value, or ``None``.
        :raises NotFound: there is no such thread.
        :raises InvalidInput: a bad type, or data JSON cannot hold exactly.

        >>> thread = store.create_thread()
        >>> store.append_event(thread.id, "run.started"), store.append_event(thread.id, "tool", {"name": "ls"})
        (1, 2)
        """
        tid = _validate.thread_id(thread_id)
        kind = _checked_name(type, "type", self._max_size)
        data_json = None if data is None else _checked_json(data, "data", self._max_size)[0]
        with _Write(self) as conn:
            seq = self._last_seq(conn, tid) + 1
            conn.execute(q("event_insert"), {
                "thread_id": tid, "seq": seq, "type": kind, "data": data_json, "now": time.time(),
            })
            return seq

    def events(self, thread_id: str, *, after: int = -1, limit: int | None = None) -> list[Event]:
        """The thread's events with a seq above ``after``, oldest first.

        Read a log incrementally by passing the last seq seen as ``after``.

        :param limit: at most this many (``None``: all).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``after`` not an int, ``limit`` below 1.
        """
        tid = _validate.thread_id(thread_id)
        since = _checked_seq(after, "after")
        n = _validate.limit(limit)
        with _Snapshot(self) as conn:
            rows = conn.execute(
                q("event_list"), {"thread_id": tid, "after": since, "limit": -1 if n is None else n}
            ).fetchall()
            if not rows:
                self._leaf(conn, tid)  # NotFound for an unknown thread
            return [Event.from_row(row) for row in rows]

    def delete_events_before(self, thread_id: str, seq: int) -> int:
        """Compaction: delete the thread's events whose seq is below ``seq``; return how many.

        Later events keep their seqs, and new ones continue after the highest seq ever
        handed out.

        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``seq`` not an int.
        """
        tid = _validate.thread_id(thread_id)
        before = _checked_seq(seq, "seq")
        with _Write(self) as conn:
            last = self._last_seq(conn, tid)
            conn.execute(q("event_delete_before"), {"thread_id": tid, "seq": before})
            deleted = conn.changes()
            if deleted:
                conn.execute(q("event_set_floor"), {"thread_id": tid, "last_seq": last})
            return deleted

    @staticmethod
    def _last_seq(conn: Any, tid: str) -> int:
        """The highest seq the thread has handed out (0: none); NotFound for no thread."""
        row = conn.execute(q("event_last_seq"), {"thread_id": tid}).get
        if row is None:
            raise NotFound(f"thread {tid!r} does not exist")
        return max(row)

    # -- tool calls --

    def create_tool_call(
        self, thread_id: str, call_id: str, name: str, parameters: Any, *, entry_id: int | None = None,
    ) -> ToolCall:
        """Record a tool call the agent wants to make, in status ``pending``; return it.

        :param call_id: its id, unique in the whole file (the model's tool-call id suits).
        :param name: the tool's name.
        :param parameters: any JSON value: the arguments.
        :param entry_id: the entry of the thread it belongs to (the assistant message that
            asked for it). If that entry's branch is deleted the call stays, unpinned.
        :raises NotFound: the thread or ``entry_id`` does not exist.
        :raises Conflict: ``call_id`` is taken (in any thread).
        :raises InvalidInput: a bad id or name, parameters JSON cannot hold exactly, or
            ``entry_id`` in another thread.

        >>> thread = store.create_thread()
        >>> store.create_tool_call(thread.id, "call-1", "search", {"q": "lisbon"}).status
        'pending'
        """
        tid = _validate.thread_id(thread_id)
        cid = _checked_name(call_id, "call_id", self._max_size)
        tool = _checked_name(name, "name", self._max_size)
        params_json, params_copy = _checked_json(parameters, "parameters", self._max_size)
        eid = _validate.optional_entry_id(entry_id, "entry_id")
        with _Write(self) as conn:
            self._leaf(conn, tid)
            if eid is not None:
                self._entry_in_thread(conn, eid, tid, "entry_id")
            taken = conn.execute(q("tool_call_get"), {"call_id": cid}).get
            if taken is not None:
                raise Conflict(f"tool call {cid!r} already exists (in thread {taken[0]!r})")
            now = time.time()
            conn.execute(q("tool_call_insert"), {
                "call_id": cid, "thread_id": tid, "entry_id": eid, "name": tool,
                "parameters": params_json, "now": now,
            })
            return ToolCall(tid, cid, tool, params_copy, "pending", eid, None, None, now, now, None, None)

    def update_tool_call(
        self, call_id: str, *, status: str | None = None, result: Any = None, error: str | None = None,
    ) -> ToolCall:
        """Move a tool call along its lifecycle and/or record its outcome; return it.

        Legal moves: ``pending -> approved | denied``, ``approved -> executing``,
        ``executing -> completed | failed``. ``started_at`` is set on the move to executing,
        ``completed_at`` on the move to completed or failed. The move is a compare-and-set
        under the write lock: of two racing updates, the second sees the first's status.

        :param status: the new status; ``None`` keeps it (to record a result or error later).
        :param result: a JSON value the call returned; only for a call that is (or, with this
            update, becomes) ``completed``. ``None``: leave it as it is.
        :param error: text saying why; only for a call that is (or becomes) ``failed`` or
            ``denied``. ``None``: leave it as it is.
        :raises NotFound: there is no such tool call.
        :raises InvalidInput: an illegal move (the message names both statuses), a result or
            error where it does not belong, a bad value, or nothing to update.

        >>> thread = store.create_thread()
        >>> _ = store.create_tool_call(thread.id, "call-2", "search", {"q": "kyoto"})
        >>> store.update_tool_call("call-2", status="approved").status
        'approved'
        >>> store.update_tool_call("call-2", status="completed")
        Traceback (most recent call last):
        ...
        threadtree.errors.InvalidInput: tool call 'call-2' cannot go from 'approved' to 'completed' (from 'approved' only to 'executing')
        """
        cid = _validate.name(call_id, "call_id")
        new = None if status is None else _checked_status(status)
        result_json = None if result is None else _checked_json(result, "result", self._max_size)[0]
        why = _validate.optional_text(error, "error")
        _validate.size(why, "error", self._max_size)
        if new is None and result is None and why is None:
            raise InvalidInput("update_tool_call needs a status, a result or an error")
        # What can be told from the arguments alone is told before the transaction.
        if new is not None:
            self._check_outcome(cid, new, result_json, why)
        with _Write(self) as conn:
            row = conn.execute(q("tool_call_get"), {"call_id": cid}).get
            if row is None:
                raise NotFound(f"tool call {cid!r} does not exist")
            current = row[4]
            if new is None:
                self._check_outcome(cid, current, result_json, why)
            elif new not in _NEXT_STATUS[current]:
                allowed = _NEXT_STATUS[current]
                hint = (f"from {current!r} only to {' or '.join(map(repr, allowed))}" if allowed
                        else f"{current!r} is final")
                raise InvalidInput(f"tool call {cid!r} cannot go from {current!r} to {new!r} ({hint})")
            row = conn.execute(q("tool_call_update"), {
                "call_id": cid, "from_status": current, "status": new or current,
                "result": result_json, "error": why, "now": time.time(),
            }).get
            if row is None:  # cannot happen under the write lock; never write on a stale read
                raise Conflict(f"tool call {cid!r} changed while it was being updated; nothing was written")
            return ToolCall.from_row(row)

    @staticmethod
    def _check_outcome(cid: str, status: str, result_json: str | None, error: str | None) -> None:
        if result_json is not None and status not in _RESULT_STATUSES:
            raise InvalidInput(
                f"result is only for a completed tool call; tool call {cid!r} would be {status!r}"
            )
        if error is not None and status not in _ERROR_STATUSES:
            raise InvalidInput(
                f"error is only for a failed or denied tool call; tool call {cid!r} would be {status!r}"
            )

    def pending_tool_calls(self, thread_id: str) -> list[ToolCall]:
        """The thread's tool calls waiting for approval (status ``pending``), oldest first.

        :raises NotFound: there is no such thread.
        """
        return self.tool_calls(thread_id, status="pending")

    def tool_calls(self, thread_id: str, *, status: str | None = None) -> list[ToolCall]:
        """The thread's tool calls, oldest (first created) first.

        :param status: only those in this status; ``None``: all.
        :raises NotFound: there is no such thread.
        :raises InvalidInput: an unknown status.
        """
        tid = _validate.thread_id(thread_id)
        wanted = None if status is None else _checked_status(status)
        with _Snapshot(self) as conn:
            if wanted is None:
                rows = conn.execute(q("tool_call_list"), {"thread_id": tid}).fetchall()
            else:
                rows = conn.execute(q("tool_call_list_status"), {"thread_id": tid, "status": wanted}).fetchall()
            if not rows:
                self._leaf(conn, tid)  # NotFound for an unknown thread
            return [ToolCall.from_row(row) for row in rows]

    # -- lookups inside a transaction --

    def _entry_in_thread(self, conn: Any, eid: int, tid: str, field: str) -> None:
        """NotFound if entry ``eid`` does not exist, InvalidInput if it is in another thread."""
        owner = self._place(conn, eid, field)[0]
        if owner != tid:
            raise InvalidInput(f"{field} {eid} belongs to thread {owner!r}, not {tid!r}")
