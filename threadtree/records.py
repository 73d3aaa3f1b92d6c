"""The records threadtree returns: frozen attrs classes built from database rows.

Records are values: immutable, compared and hashed by content (``item`` and ``metadata`` are
decoded JSON, so records holding a dict or list are not hashable), and never validated when
built from the database (input is checked in ``_validate`` before it is written). Change one
with ``attrs.evolve``; nothing threadtree returns is mutated behind your back.

The column order of every ``from_row`` is fixed by the select lists in ``sql/sqlite/queries``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

import attrs
import orjson

from . import _json
from .run_records import (
    BRANCH_RUN_STATUSES,
    LEAF_RUN_STATUSES,
    RUN_STATUSES,
    BranchRun,
    Candidate,
    Decision,
    LeafRun,
    Run,
    RunTrace,
)

__all__ = [
    "BRANCH_RUN_STATUSES",
    "JOB_STATUSES",
    "LEAF_RUN_STATUSES",
    "RUN_STATUSES",
    "THREAD_ORDERS",
    "TOOL_CALL_STATUSES",
    "BranchRun",
    "Candidate",
    "Checkpoint",
    "Decision",
    "Entry",
    "Event",
    "GcPaused",
    "Job",
    "LeafMove",
    "LeafRun",
    "Problem",
    "Run",
    "RunTrace",
    "Thread",
    "ToolCall",
]

THREAD_ORDERS = ("updated_at", "created_at", "entry_count")
"""The orders :meth:`Store.list_threads` can sort by (its ``order_by``)."""

JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
"""The statuses a :class:`Job` can have (any may follow any)."""

TOOL_CALL_STATUSES = ("pending", "approved", "denied", "executing", "completed", "failed")
"""Every status of a :class:`ToolCall`, in lifecycle order: ``pending -> approved | denied;
approved -> executing -> completed | failed``."""


# slots=False: attrs' cheaper frozen variant. A slotted frozen class sets each field through
# object.__setattr__ (9,500 instructions a record, measured with callgrind), a dict-based one
# stores into the instance dict (6,000): on path() at depth 10,000 that is the difference
# between 2.0x and 1.6x the cost of the bare query. Instances stay immutable either way.
@attrs.frozen(slots=False)
class Entry:
    """One message in a thread.

    :ivar id: unique in the database, never reused, larger than every ancestor's id.
    :ivar thread_id: the thread the entry belongs to.
    :ivar parent_id: the parent entry, ``None`` for a root.
    :ivar role: who wrote it (``"user"``, ``"assistant"``, ``"tool"``, ...).
    :ivar content: the message text.
    :ivar item: any JSON value stored with the entry (``None`` if none), e.g. the full
        provider message with tool calls.
    :ivar created_at: Unix seconds (UTC) of the transaction that wrote it; for an imported
        entry, the time its source recorded when it had one.
    :ivar depth: 0 for a root, the parent's depth + 1 otherwise.
    :ivar source_id: the entry's id in the system it was imported from, or the idempotency key
        it was appended with; unique within its thread. ``None`` if none.
    :ivar hidden: kept but not shown by default (system prompts, tool plumbing, metadata
        nodes); :meth:`Store.messages` leaves it out unless asked.
    :ivar usage: what producing the entry cost, as given with ``usage=`` (a dict of numbers
        such as ``{"input_tokens": 812, "output_tokens": 95}``), or ``None``; see
        :meth:`Store.usage`.
    :ivar merged_from: for an entry made by :meth:`Store.merge`, the entry (the tip of a
        branch) whose result it summarizes; ``None`` for every other entry. History: it may
        name an entry deleted since.
    """

    id: int
    thread_id: str
    parent_id: int | None
    role: str
    content: str
    item: Any
    created_at: float
    depth: int
    source_id: str | None = None
    hidden: bool = False
    usage: dict[str, Any] | None = None
    merged_from: int | None = None

    @classmethod
    def from_row(cls, row: tuple) -> Entry:
        return cls.from_rows((row,))[0]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> list[Entry]:
        """Records for rows of (id, thread_id, parent_entry_id, role, content, item JSON,
        created_at, depth, source_id, hidden, content_path, usage JSON, merged_from). One comprehension,
        the decoding inlined: paths run to thousands. An item stored without its text (see
        ``content_path`` in sql/sqlite/migrations/0004) gets it back here."""
        loads, load_item = orjson.loads, _json.load_item
        with GcPaused():
            return [
                cls(
                    id,
                    thread_id,
                    parent_id,
                    role,
                    content,
                    (None if item is None else loads(item)) if path is None else load_item(item, path, content),
                    created_at,
                    depth,
                    source_id,
                    hidden == 1,
                    None if usage is None else loads(usage),
                    merged_from,
                )
                for (
                    id,
                    thread_id,
                    parent_id,
                    role,
                    content,
                    item,
                    created_at,
                    depth,
                    source_id,
                    hidden,
                    path,
                    usage,
                    merged_from,
                ) in rows
            ]


class GcPaused:
    """``with GcPaused():`` the garbage collector is off inside, for building thousands of
    records (and their decoded items) at once: none of them can form a cycle, yet they set
    the collector off again and again; pausing it cuts 13 % off a path of 5,000 entries.
    Only the block that paused it resumes it. A class, not a generator: it is on every read."""

    __slots__ = ("_paused",)

    def __enter__(self) -> None:
        self._paused = gc.isenabled()
        if self._paused:
            gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self._paused:
            gc.enable()


@attrs.frozen
class Thread:
    """A conversation: a forest of entries and the leaf that marks its live branch.

    :ivar id: the thread id (given or generated).
    :ivar title: a free text title, or ``None``.
    :ivar metadata: a dict (a JSON object) the caller keeps with the thread.
    :ivar created_at: Unix seconds (UTC).
    :ivar updated_at: Unix seconds (UTC) of the last write to the thread or its entries.
    :ivar archived: whether the thread is archived (hidden from listings by default).
    :ivar current_leaf_id: the tip of the live path, ``None`` when the path is empty.
    :ivar archived_at: Unix seconds (UTC) of archiving, ``None`` when not archived.
    :ivar source_format: the format the thread was imported from (``"chatgpt"``...), or ``None``.
    :ivar source_id: the conversation's id in that format; a second import of the same
        conversation updates this thread.
    :ivar entry_count: how many entries the thread holds, every branch counted, when the
        thread came from :meth:`Store.list_threads` or :meth:`Store.find_thread`; ``None``
        from the other calls. A count, not part of the thread: left out of ``==``.
    :ivar leaf_count: how many branch tips (entries without a child) it holds, likewise;
        hidden tips (tool plumbing, progress records) count, as in :meth:`Store.leaves`
        (``leaves(thread_id, include_hidden=False)`` gives the tips a reader sees).
    :ivar origin_thread_id: for a thread made by :meth:`Store.copy_thread`, the thread it was
        copied from (it may have been deleted since); ``None`` otherwise.
    :ivar origin_entry_id: the entry of that thread the copy ends at (the copy's first current
        leaf was its copy); ``None`` when ``origin_thread_id`` is.
    """

    id: str
    title: str | None
    metadata: dict[str, Any]
    created_at: float
    updated_at: float
    archived: bool
    current_leaf_id: int | None
    archived_at: float | None = None
    source_format: str | None = None
    source_id: str | None = None
    entry_count: int | None = attrs.field(default=None, eq=False)
    leaf_count: int | None = attrs.field(default=None, eq=False)
    origin_thread_id: str | None = None
    origin_entry_id: int | None = None

    @classmethod
    def from_row(cls, row: tuple) -> Thread:
        """A record for a row of (id, title, metadata JSON, created_at, updated_at, archived_at,
        current_leaf_id, source_format, source_id, origin_thread_id, origin_entry_id),
        optionally followed by (entry_count, leaf_count) as listings select them."""
        (
            id,
            title,
            metadata,
            created_at,
            updated_at,
            archived_at,
            current_leaf_id,
            source_format,
            source_id,
            origin_thread_id,
            origin_entry_id,
            *counts,
        ) = row
        entry_count, leaf_count = counts or (None, None)
        return cls(
            id,
            title,
            _json.loads(metadata),
            created_at,
            updated_at,
            archived_at is not None,
            current_leaf_id,
            archived_at,
            source_format,
            source_id,
            entry_count,
            leaf_count,
            origin_thread_id,
            origin_entry_id,
        )


@attrs.frozen
class LeafMove:
    """One change of a thread's current leaf (see :meth:`Store.leaf_history`).

    :ivar thread_id: the thread.
    :ivar seq: the thread's move number: 1, 2, 3... without gaps.
    :ivar from_entry_id: the leaf before (``None``: an empty path). May name an entry deleted
        since.
    :ivar to_entry_id: the leaf after (``None``: an empty path).
    :ivar reason: the call that moved it: ``append``, ``extend``, ``fork``, ``rewind``,
        ``checkout``, ``pop``, ``redo``, ``switch``, ``clear``, ``delete_branch``, ``import``,
        ``restore`` or ``decide``.
    :ivar created_at: Unix seconds (UTC).
    """

    thread_id: str
    seq: int
    from_entry_id: int | None
    to_entry_id: int | None
    reason: str
    created_at: float


@attrs.frozen
class Checkpoint:
    """A snapshot of agent state kept with a thread (see :meth:`Store.save_checkpoint`).

    :ivar thread_id: the thread.
    :ivar checkpoint_id: its name, unique within the thread.
    :ivar entry_id: the entry it is pinned to, ``None`` if unpinned. Deleting that entry's
        branch deletes the checkpoint.
    :ivar parent_checkpoint_id: the checkpoint it was derived from, ``None`` if none. When the
        parent is deleted, this becomes the parent's own parent.
    :ivar state: the JSON value saved.
    :ivar created_at: Unix seconds (UTC) of the latest save (saving again under the same id
        replaces the checkpoint and refreshes this).
    """

    thread_id: str
    checkpoint_id: str
    entry_id: int | None
    parent_checkpoint_id: str | None
    state: Any
    created_at: float

    @classmethod
    def from_row(cls, row: tuple) -> Checkpoint:
        thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at = row
        return cls(thread_id, checkpoint_id, entry_id, parent_checkpoint_id, _json.loads(state), created_at)


@attrs.frozen
class Event:
    """One event of a thread's log (see :meth:`Store.append_event`).

    :ivar thread_id: the thread.
    :ivar seq: its number in the thread: 1, 2, 3... without gaps, never reused (not even
        after compaction).
    :ivar type: what happened, as the caller named it.
    :ivar data: the JSON value given with it, ``None`` if none.
    :ivar created_at: Unix seconds (UTC).
    """

    thread_id: str
    seq: int
    type: str
    data: Any
    created_at: float

    @classmethod
    def from_row(cls, row: tuple) -> Event:
        thread_id, seq, type, data, created_at = row
        return cls(thread_id, seq, type, _json.loads(data), created_at)


@attrs.frozen
class ToolCall:
    """A tool call and where it is in its lifecycle (see :meth:`Store.create_tool_call`)::

        pending -> approved | denied;  approved -> executing -> completed | failed

    :ivar thread_id: the thread.
    :ivar call_id: its id, unique in the file.
    :ivar name: the tool's name.
    :ivar parameters: the JSON value it was called with.
    :ivar status: ``pending``, ``approved``, ``denied``, ``executing``, ``completed`` or
        ``failed``.
    :ivar entry_id: the entry it belongs to, ``None`` if none (or if that entry's branch was
        deleted since: the record of the call stays).
    :ivar result: the JSON value it returned (only when completed), else ``None``.
    :ivar error: why it failed or was denied, else ``None``.
    :ivar created_at: Unix seconds (UTC) of its creation.
    :ivar updated_at: Unix seconds (UTC) of its latest change.
    :ivar started_at: when it began executing, ``None`` before.
    :ivar completed_at: when it completed or failed, ``None`` before.
    """

    thread_id: str
    call_id: str
    name: str
    parameters: Any
    status: str
    entry_id: int | None
    result: Any
    error: str | None
    created_at: float
    updated_at: float
    started_at: float | None
    completed_at: float | None

    @classmethod
    def from_row(cls, row: tuple) -> ToolCall:
        thread_id, call_id, name, parameters, status, entry_id, result, error, *times = row
        return cls(
            thread_id, call_id, name, _json.loads(parameters), status, entry_id, _json.loads(result), error, *times
        )


@attrs.frozen
class Problem:
    """Something :meth:`Store.check` found wrong in a database file.

    :ivar thread_id: the thread it concerns, ``None`` for the file as a whole.
    :ivar entry_id: the entry it concerns, if any.
    :ivar kind: what is wrong, one of :data:`threadtree.check.KINDS`.
    :ivar message: a sentence naming the ids involved.
    """

    thread_id: str | None
    entry_id: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.thread_id is None else f"thread {self.thread_id!r}"
        return f"{where}: {self.kind}: {self.message}"


@attrs.frozen
class Job:
    """A job an agent host tracks beside its threads (see :meth:`Store.upsert_job`).

    :ivar job_id: its id, unique in the file.
    :ivar name: what the job is, as the caller named it.
    :ivar status: ``"queued"``, ``"running"``, ``"completed"``, ``"failed"`` or ``"cancelled"``.
    :ivar progress: a percentage from 0.0 to 100.0 (always a float), ``None`` when unknown.
    :ivar detail: the JSON value last given as ``detail``, ``None`` if none.
    :ivar created_at: Unix seconds (UTC) of the first upsert.
    :ivar updated_at: Unix seconds (UTC) of the latest upsert.
    """

    job_id: str
    name: str
    status: str
    progress: float | None
    detail: Any
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: tuple) -> Job:
        job_id, name, status, progress, detail, created_at, updated_at = row
        return cls(job_id, name, status, progress, _json.loads(detail), created_at, updated_at)
