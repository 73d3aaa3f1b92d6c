"""Copying a whole database into an empty one, on either engine: every table, row for row.

A copy reads the source in one snapshot and writes the destination in one transaction: the
destination holds all of it, or (on any failure) what it held before, which was nothing. Rows
move table by table in the order the keys need (threads, then entries in id order, so a parent
is always in before its children), as the engines' own values: ids, times, hidden flags, the
text of an item kept once (``content``/``content_path``), leaf history, agent state, runs. Each
table is read by ``copy_read_<table>`` and written by ``copy_write_<table>``, streamed in
batches (an INSERT per row on SQLite, one COPY per batch on PostgreSQL); the destination's
triggers check every row as they check any write.

On PostgreSQL the copy takes a lock that keeps other writers out of the destination until it
commits (``copy_lock``), and has the lookups each row's checks make planned on keys once the
first batch of entries is in (``copy_plans``): plans made on the empty tables would otherwise
walk the growing table for every row.

Two columns name rows written later than their own: a thread's current leaf (an entry) and a
checkpoint's parent (a re-saved checkpoint is newer than its children). They are written as
NULL and set once their targets are in. What is derived is not copied but rebuilt by the
destination's triggers as the rows go in (:data:`DERIVED`). Entry ids stay what they were; the
destination then hands out ids above every id the source ever handed out (its high-water mark,
which outlives deleted entries), so an id kept by an agent never names another entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Conflict, InvalidInput
from .database import Database
from .engine import Tx

__all__ = ["DERIVED", "DERIVED_COLUMNS", "TABLES", "copy_into"]

# Every table a copy moves, in the order it writes them, with its columns (the order of
# copy_read_<table>'s select list and copy_write_<table>'s bindings).
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("threads", ("id", "title", "metadata", "created_at", "updated_at", "archived_at", "current_leaf_id",
                 "source_format", "source_id", "origin_thread_id", "origin_entry_id")),
    ("entries", ("id", "thread_id", "parent_entry_id", "role", "content", "item", "created_at", "depth",
                 "source_id", "hidden", "content_path", "usage", "merged_from")),
    ("leaf_moves", ("thread_id", "seq", "from_entry_id", "to_entry_id", "reason", "created_at")),
    ("left_leaves", ("thread_id", "entry_id", "seq")),
    ("labels", ("thread_id", "name", "entry_id", "created_at")),
    ("checkpoints", ("thread_id", "checkpoint_id", "entry_id", "parent_checkpoint_id", "state", "created_at",
                     "save_seq")),
    ("events", ("thread_id", "seq", "type", "data", "created_at")),
    ("event_floors", ("thread_id", "last_seq")),
    ("tool_calls", ("id", "call_id", "thread_id", "entry_id", "name", "parameters", "status", "result", "error",
                    "created_at", "updated_at", "started_at", "completed_at")),
    ("thread_tools", ("thread_id", "position", "name", "definition")),
    ("jobs", ("id", "name", "status", "progress", "detail", "created_at", "updated_at")),
    ("workflow_runs", ("run_id", "thread_id", "workflow_id", "goal", "status", "input_hash", "metadata", "result",
                       "error", "started_at", "updated_at", "completed_at")),
    ("branch_runs", ("id", "thread_id", "run_id", "entry_id", "status", "result", "error", "started_at",
                     "updated_at", "completed_at", "branch_deleted_at")),
    ("leaf_runs", ("id", "thread_id", "run_id", "leaf_id", "input_hash", "entry_id", "status", "output",
                   "artifacts", "error", "created_at", "branch_deleted_at")),
    ("run_decisions", ("id", "thread_id", "run_id", "entry_id", "decided_at", "branch_deleted_at")),
    ("run_candidates", ("decision_id", "position", "thread_id", "entry_id", "score", "passed", "rationale",
                        "selected", "branch_deleted_at")),
)  # fmt: skip

# The tables of either schema a copy does not move, and why: each is rebuilt by the
# destination from what is copied, or belongs to the engine. tests/test_copy.py fails when a
# migration adds a table that is in neither list.
DERIVED: dict[str, str] = {
    "leaves": "every branch tip: kept by the entries' triggers as the entries go in",
    "entries_search": "SQLite's full-text index of entries.content, its pending batch: kept by the entries' triggers",
    "sqlite_sequence": "SQLite's AUTOINCREMENT record, which no table uses since SQLite migration 0013",
    "entries_floor": "SQLite's floor of deleted entry ids: the high-water mark is carried over (copy_advance_ids)",
    "threadtree_schema": "PostgreSQL's schema version: the destination's own, from its migrations",
}

# Columns of one engine's schema a copy does not move as columns, and why (tests/test_copy.py
# fails when a migration adds a column that is in neither TABLES nor here).
DERIVED_COLUMNS: dict[tuple[str, str], str] = {
    ("entries", "move_seq"): "SQLite keeps an append's or a fork's leaf move on its entry: copied as leaf_moves rows",
    ("entries", "move_from"): "the leaf such a fork moved from: copied as leaf_moves rows",
}

# Rows read and written at a time: big enough that a COPY or an executemany pays off, small
# enough that a table of any size streams through in bounded memory.
BATCH = 2000

_LEAF = 6  # threads.current_leaf_id
_PARENT = 3  # checkpoints.parent_checkpoint_id

Progress = Callable[[str, int], None]


def copy_into(source: Database, destination: Database, *, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row of ``source`` into ``destination``, which must be empty; return the rows
    copied per table. ``progress(table, rows)`` is called after each batch.

    :raises Conflict: ``destination`` holds a thread or a job; nothing was written.
    :raises InvalidInput: a value the destination cannot hold (a NUL in PostgreSQL text);
        nothing was written.
    """
    with source.snapshot() as src, destination.write() as dst:
        if not destination.features.one_writer:  # PostgreSQL
            dst.run("copy_lock")
        if not dst.value("copy_is_empty"):
            raise Conflict(
                f"{destination.target!r} is not empty: a copy goes only into an empty database "
                "(a new file, or a PostgreSQL database or schema without threads or jobs)"
            )
        counts = {}
        leaves: list[dict[str, Any]] = []
        for name, columns in TABLES:
            counts[name], later = _copy_table(src, dst, name, columns, progress, destination.features.one_writer)
            if name == "threads":
                leaves = later
            elif name == "entries":
                dst.many("copy_thread_leaf", leaves)
            elif name == "checkpoints":
                dst.many("copy_checkpoint_parent", later)
        dst.run("copy_advance_ids", {"entries": src.value("copy_high_water")})
    return counts


def _copy_table(
    src: Tx, dst: Tx, name: str, columns: tuple[str, ...], progress: Progress | None, one_writer: bool
) -> tuple[int, list[dict[str, Any]]]:
    """Stream one table across; return its row count and the values it wrote as NULL (the
    threads' current leaves, the checkpoints' parents) as bindings to set them with."""
    later: list[dict[str, Any]] = []
    done = 0
    for batch in src.stream(f"copy_read_{name}", BATCH):
        if name == "threads":
            later += ({"thread_id": row[0], "leaf_id": row[_LEAF]} for row in batch if row[_LEAF] is not None)
            batch = [(*row[:_LEAF], None, *row[_LEAF + 1 :]) for row in batch]
        elif name == "checkpoints":
            later += (
                {"thread_id": row[0], "checkpoint_id": row[1], "parent_checkpoint_id": row[_PARENT]}
                for row in batch
                if row[_PARENT] is not None
            )
            batch = [(*row[:_PARENT], None, *row[_PARENT + 1 :]) for row in batch]
        first_on_postgres = done == 0 and name == "entries" and not one_writer
        if first_on_postgres:  # see copy_plans: lookups on keys, not over the growing table
            dst.run("copy_plans_custom")
        try:
            dst.load(f"copy_write_{name}", columns, batch)
        except InvalidInput as exc:
            raise InvalidInput(f"copying {name}: {exc}") from exc
        if first_on_postgres:
            dst.run("copy_plans")
            dst.run("copy_plans_generic")
        done += len(batch)
        if progress is not None:
            progress(name, done)
    return done, later
