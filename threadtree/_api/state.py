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

from typing import Any

from .. import _json, _validate
from .._db import state as agent_state
from .._db import tree
from ..errors import InvalidInput, NotFound
from ..records import TOOL_CALL_STATUSES, Checkpoint, Event, ToolCall
from .base import StoreBase

_MIN_SEQ = -(2**63)
_MAX_SEQ = 2**63 - 1

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


class AgentState(StoreBase):
    """Checkpoints, events and tool calls (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    # -- checkpoints --

    def save_checkpoint(
        self,
        thread_id: str,
        checkpoint_id: str,
        state: Any,
        *,
        entry_id: int | None = None,
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
        with self._db.write() as tx:
            tree.leaf(tx, tid)
            if eid is not None:
                agent_state.entry_in_thread(tx, eid, tid, "entry_id")
            if parent is not None:
                exists, has_children = agent_state.checkpoint_parent_check(tx, tid, cid, parent)
                if not exists:
                    raise NotFound(f"checkpoint {parent!r} (parent_checkpoint_id) does not exist in thread {tid!r}")
                if has_children and cid in agent_state.checkpoint_lineage(tx, tid, parent):
                    raise InvalidInput(
                        f"parent_checkpoint_id {parent!r} descends from checkpoint {cid!r}: "
                        "a checkpoint cannot be its own ancestor"
                    )
            return agent_state.save_checkpoint(tx, tid, cid, eid, parent, state_json, state_copy)

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
        with self._db.snapshot() as tx:
            current = tree.leaf(tx, tid).id
            if cid is not None:
                found = agent_state.checkpoint(tx, tid, cid)
                if found is None:
                    raise NotFound(f"thread {tid!r} has no checkpoint {cid!r}")
                return found
            found = agent_state.checkpoint_to_resume(tx, tid, current)
            if found is None:
                raise NotFound(
                    f"thread {tid!r} has no checkpoint to resume from (none on its live path and none unpinned)"
                )
            return found

    def list_checkpoints(self, thread_id: str, *, limit: int | None = 100) -> list[Checkpoint]:
        """The thread's checkpoints, newest (most recently saved) first.

        :param limit: at most this many (``None``: all).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``limit`` below 1.
        """
        tid = _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        with self._db.snapshot() as tx:
            return agent_state.checkpoints(tx, tid, n)

    def delete_checkpoint(self, thread_id: str, checkpoint_id: str) -> None:
        """Delete a checkpoint. Checkpoints whose parent it was get its own parent instead.

        :raises NotFound: the thread or the checkpoint does not exist.
        """
        tid = _validate.thread_id(thread_id)
        cid = _validate.name(checkpoint_id, "checkpoint_id")
        with self._db.write() as tx:
            agent_state.delete_checkpoint(tx, tid, cid)

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
        with self._db.write() as tx:
            return agent_state.insert_event(tx, tid, kind, data_json)

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
        with self._db.snapshot() as tx:
            return agent_state.events(tx, tid, since, n)

    def delete_events_before(self, thread_id: str, seq: int) -> int:
        """Compaction: delete the thread's events whose seq is below ``seq``; return how many.

        Later events keep their seqs, and new ones continue after the highest seq ever
        handed out.

        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``seq`` not an int.
        """
        tid = _validate.thread_id(thread_id)
        before = _checked_seq(seq, "seq")
        with self._db.write() as tx:
            return agent_state.delete_events_before(tx, tid, before)

    # -- tool calls --

    def create_tool_call(
        self,
        thread_id: str,
        call_id: str,
        name: str,
        parameters: Any,
        *,
        entry_id: int | None = None,
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
        with self._db.write() as tx:
            tree.leaf(tx, tid)
            if eid is not None:
                agent_state.entry_in_thread(tx, eid, tid, "entry_id")
            return agent_state.insert_tool_call(tx, tid, cid, eid, tool, params_json, params_copy)

    def update_tool_call(
        self,
        call_id: str,
        *,
        status: str | None = None,
        result: Any = None,
        error: str | None = None,
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
        >>> store.update_tool_call("call-2", status="completed")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        threadtree.errors.InvalidInput: tool call 'call-2' cannot go from 'approved' to 'completed' (from ...
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
            _check_outcome(cid, new, result_json, why)
        with self._db.write() as tx:
            found = agent_state.tool_call(tx, cid)
            # Read again in its thread: under the thread's write lock (PostgreSQL's writers lock
            # the thread they write to, and the first read named no thread), the status is
            # the one the compare-and-set will find, as on SQLite.
            call = None if found is None else agent_state.tool_call_in_thread(tx, found.thread_id, cid)
            if call is None:
                raise NotFound(f"tool call {cid!r} does not exist")
            current = call.status
            if new is None:
                _check_outcome(cid, current, result_json, why)
            elif new not in _NEXT_STATUS[current]:
                allowed = _NEXT_STATUS[current]
                hint = (
                    f"from {current!r} only to {' or '.join(map(repr, allowed))}"
                    if allowed
                    else f"{current!r} is final"
                )
                raise InvalidInput(f"tool call {cid!r} cannot go from {current!r} to {new!r} ({hint})")
            return agent_state.update_tool_call(tx, call.thread_id, cid, current, new or current, result_json, why)

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
        with self._db.snapshot() as tx:
            return agent_state.tool_calls(tx, tid, wanted)


def _check_outcome(cid: str, status: str, result_json: str | None, error: str | None) -> None:
    if result_json is not None and status not in _RESULT_STATUSES:
        raise InvalidInput(f"result is only for a completed tool call; tool call {cid!r} would be {status!r}")
    if error is not None and status not in _ERROR_STATUSES:
        raise InvalidInput(f"error is only for a failed or denied tool call; tool call {cid!r} would be {status!r}")
