"""The records threadtree returns: frozen attrs classes built from database rows.

Records are values: immutable, compared and hashed by content (``item`` and ``metadata`` are
decoded JSON, so records holding a dict or list are not hashable), and never validated when
built from the database (input is checked in ``_validate`` before it is written). Change one
with ``attrs.evolve``; nothing threadtree returns is mutated behind your back.

The column order of every ``from_row`` is fixed by the select lists in ``sql/queries``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import Any

import attrs
import orjson

from . import _json

__all__ = ["Entry", "LeafMove", "Problem", "Thread"]


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

    @classmethod
    def from_row(cls, row: tuple) -> Entry:
        return cls.from_rows((row,))[0]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> list[Entry]:
        """Records for rows of (id, thread_id, parent_entry_id, role, content, item JSON,
        created_at, depth, source_id, hidden). One comprehension, the decoding inlined: paths
        run to thousands."""
        loads = orjson.loads
        # Thousands of new records (and their decoded items) set off the garbage collector
        # again and again, though none of them can form a cycle: pausing it cuts 13 % off a
        # path of 5,000 entries. Only the caller that paused it resumes it.
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return [
                cls(
                    id, thread_id, parent_id, role, content, None if item is None else loads(item), created_at,
                    depth, source_id, hidden == 1,
                )
                for id, thread_id, parent_id, role, content, item, created_at, depth, source_id, hidden in rows
            ]
        finally:
            if paused:
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

    @classmethod
    def from_row(cls, row: tuple) -> Thread:
        id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id = row
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
        ``pop``, ``redo``, ``switch``, ``clear``, ``delete_branch``, ``import`` or ``restore``.
    :ivar created_at: Unix seconds (UTC).
    """

    thread_id: str
    seq: int
    from_entry_id: int | None
    to_entry_id: int | None
    reason: str
    created_at: float


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
