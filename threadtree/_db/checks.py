"""Storage functions of :func:`threadtree.check.check`: the raw rows it rebuilds the trees
from, and the engine's own checks of the file. Values come back as stored (raw bytes beside
their SQL types where another tool may have written something else), never decoded here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .engine import Tx

__all__ = [
    "all_threads",
    "entry_thread",
    "entry_values",
    "foreign_key_rows",
    "integrity_lines",
    "kept_leaves",
    "orphan_entries",
    "orphan_leaves",
    "search_index",
    "structure",
    "thread_of_rowid",
    "thread_values",
]


def integrity_lines(tx: Tx) -> list[str]:
    """What the engine's own integrity check reports: ``["ok"]`` when nothing."""
    return [line for (line,) in tx.rows("integrity_check")]


def foreign_key_rows(tx: Tx) -> list[tuple[str, int, str, Any]]:
    """(table, rowid, parent table, constraint) of each row whose foreign key dangles."""
    return [(table, rowid, parent, fk) for table, rowid, parent, fk in tx.rows("foreign_key_check")]


def thread_values(tx: Tx) -> Iterable[tuple[Any, ...]]:
    """Every thread's values, raw, with their SQL types (see ``thread_values.sql``)."""
    return tx.rows("thread_values")


def entry_values(tx: Tx, tid: str) -> Iterable[tuple[Any, ...]]:
    """Every entry's values of a thread, raw, with their SQL types (see ``entry_values.sql``)."""
    return tx.rows("entry_values", {"thread_id": tid})


def search_index(tx: Tx) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The search index against the entries: (entry id, thread id) of the entries it has no
    row for, and (id, what) of the rows it holds that no entry matches, ``what`` being
    ``"gone"`` (no such entry) or ``"twice"`` (indexed and pending both)."""
    missing = [(eid, tid) for eid, tid in tx.rows("search_unindexed")]
    return missing, [(eid, what) for eid, what in tx.rows("search_orphans")]


def all_threads(tx: Tx) -> list[tuple[str, int | None]]:
    """(id, current leaf) of every thread, in id order."""
    return [(tid, leaf) for tid, leaf in tx.rows("all_threads")]


def orphan_entries(tx: Tx) -> list[tuple[int, str]]:
    """(entry id, thread id) of entries whose thread does not exist."""
    return [(eid, tid) for eid, tid in tx.rows("orphan_entries")]


def orphan_leaves(tx: Tx) -> list[tuple[str, int]]:
    """(thread id, entry id) of leaves-table rows whose thread does not exist."""
    return [(tid, eid) for tid, eid in tx.rows("orphan_leaves")]


def structure(tx: Tx, tid: str) -> list[tuple[int, int | None, int]]:
    """(id, parent id, depth) of every entry of the thread, in id order."""
    return [(eid, parent, depth) for eid, parent, depth in tx.rows("thread_structure", {"thread_id": tid})]


def kept_leaves(tx: Tx, tid: str) -> set[int]:
    """The entry ids the leaves table holds for the thread."""
    return {eid for (eid,) in tx.rows("kept_leaves", {"thread_id": tid})}


def entry_thread(tx: Tx, eid: int) -> str | None:
    """The thread of an entry, or ``None`` if there is no such entry."""
    return tx.value("entry_place", {"entry_id": eid})


def thread_of_rowid(tx: Tx, rowid: int) -> str | None:
    """The id of the thread stored at ``rowid`` (foreign-key checks report rows by rowid)."""
    return tx.value("thread_of_rowid", {"rowid": rowid})
