"""The records threadtree returns: frozen attrs classes built from database rows.

Records are values: immutable, compared and hashed by content (``item`` and ``metadata`` are
decoded JSON, so records holding a dict or list are not hashable), and never validated when
built from the database (input is checked in ``_validate`` before it is written). Change one
with ``attrs.evolve``; nothing threadtree returns is mutated behind your back.

The column order of every ``from_row`` is fixed by the select lists in ``sql/queries``.
"""

from __future__ import annotations

from typing import Any

import attrs

from . import _json

__all__ = ["Entry", "Thread"]


@attrs.frozen
class Entry:
    """One message in a thread.

    :ivar id: unique in the database, never reused, larger than every ancestor's id.
    :ivar thread_id: the thread the entry belongs to.
    :ivar parent_id: the parent entry, ``None`` for a root.
    :ivar role: who wrote it (``"user"``, ``"assistant"``, ``"tool"``, ...).
    :ivar content: the message text.
    :ivar item: any JSON value stored with the entry (``None`` if none), e.g. the full
        provider message with tool calls.
    :ivar created_at: Unix seconds (UTC) of the transaction that wrote it.
    :ivar depth: 0 for a root, the parent's depth + 1 otherwise.
    """

    id: int
    thread_id: str
    parent_id: int | None
    role: str
    content: str
    item: Any
    created_at: float
    depth: int

    @classmethod
    def from_row(cls, row: tuple) -> Entry:
        id, thread_id, parent_id, role, content, item, created_at, depth = row
        return cls(id, thread_id, parent_id, role, content, _json.loads(item), created_at, depth)


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
    """

    id: str
    title: str | None
    metadata: dict[str, Any]
    created_at: float
    updated_at: float
    archived: bool
    current_leaf_id: int | None
    archived_at: float | None = None

    @classmethod
    def from_row(cls, row: tuple) -> Thread:
        id, title, metadata, created_at, updated_at, archived_at, current_leaf_id = row
        return cls(
            id,
            title,
            _json.loads(metadata),
            created_at,
            updated_at,
            archived_at is not None,
            current_leaf_id,
            archived_at,
        )
