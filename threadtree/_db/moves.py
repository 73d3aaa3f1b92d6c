"""Writing a thread's leaf moves: the current leaf pointer and its history, in the caller's
write transaction (see :mod:`threadtree._db.tree`, which uses and re-exports these).

On SQLite an append's or a fork's move may be kept on the entry it made (migration 0011): the
storage functions still record every move through ``record_leaf_move``, and the database puts
the ones that fit on their entry. On PostgreSQL only ``add_entry`` keeps moves on entries
(migration 0008); every move recorded here is a row. The seq of the next move is read before
the leaf pointer moves, where the engine can find the latest one.
"""

from __future__ import annotations

import time

from .engine import Tx

__all__ = ["move_leaf", "next_move", "record_leaf_move"]


def move_leaf(
    tx: Tx,
    tid: str,
    old: int | None,
    new: int | None,
    reason: str,
    now: float | None = None,
    *,
    remember: bool = True,
) -> None:
    """Point the thread at ``new`` (touching updated_at) and, if that moved it, record the
    move in the leaf history: in the caller's write transaction, so both or neither happen.
    ``remember``: see :func:`record_leaf_move`."""
    now = time.time() if now is None else now
    seq = next_move(tx, tid) if old != new else 0
    tx.run("move_leaf", {"thread_id": tid, "leaf_id": new, "now": now})
    if old != new:
        record_leaf_move(tx, tid, seq, old, new, reason, now, remember=remember)


def next_move(tx: Tx, tid: str) -> int:
    """The seq the thread's next leaf move gets. Read it before the leaf pointer moves: on
    SQLite the latest move may be kept on the current leaf's entry (migration 0011)."""
    return int(tx.value("last_leaf_move", {"thread_id": tid})) + 1


def record_leaf_move(
    tx: Tx,
    tid: str,
    seq: int,
    old: int | None,
    new: int | None,
    reason: str,
    now: float,
    *,
    remember: bool = True,
) -> None:
    """Add move ``seq`` (from :func:`next_move`) to the thread's leaf history, inside the write
    that moved the leaf, and, with ``remember``, keep ``old`` as the leaf its branch was left
    at, for :func:`switch`. Pass ``remember=False`` for a move down the live branch (an append
    under the leaf, a redo) and for a leaf about to be deleted: nothing is left behind there."""
    bindings = {"thread_id": tid, "seq": seq, "from_id": old, "to_id": new, "reason": reason, "now": now}
    tx.run("record_leaf_move", bindings)
    if remember and old is not None:
        tx.run("remember_left_leaf", {"thread_id": tid, "entry_id": old, "seq": seq})
