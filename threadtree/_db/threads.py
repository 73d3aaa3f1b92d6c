"""Storage functions of threads: create, read, list, update, delete, and look up by id
prefix or title. Each takes the caller's open transaction (see ``_db/tree.py``)."""

from __future__ import annotations

import time
from typing import Any

from ..errors import Conflict, NotFound
from ..records import Entry, Thread
from .engine import Tx, UniqueViolation

__all__ = [
    "by_id_range",
    "listed",
    "by_title",
    "create",
    "delete",
    "find_by_title",
    "get",
    "list_page",
    "new_id",
    "update",
    "with_entries",
]


def new_id() -> str:
    """A random thread id: 32 hex digits (a version-4 UUID). ``uuid`` is imported here, at the
    first thread made: it imports ``platform``, a tenth of a read-only command's start-up."""
    import uuid

    return uuid.uuid4().hex


def get(tx: Tx, tid: str) -> Thread:
    row = tx.one("get_thread", {"thread_id": tid})
    if row is None:
        raise NotFound(f"thread {tid!r} does not exist")
    return Thread.from_row(row)


def create(tx: Tx, given: str | None, title: str | None, metadata_json: str) -> Thread:
    """A new empty thread with the id ``given``, or a random one (32 hex digits).

    :raises Conflict: ``given`` is taken.
    """
    while True:
        bindings = {
            "thread_id": given or new_id(),
            "title": title,
            "metadata": metadata_json,
            "now": time.time(),
        }
        try:
            row = tx.one("insert_thread", bindings)
        except UniqueViolation as exc:
            if given is not None:
                raise Conflict(f"thread {given!r} already exists") from exc
            # A random id collided (about never): draw another one.
            continue
        assert row is not None  # insert ... returning gives the row it inserted
        return Thread.from_row(row)


def update(tx: Tx, query: str, tid: str, bindings: dict[str, Any]) -> Thread:
    """Run ``query`` (update_thread, archive_thread, unarchive_thread), which gives the
    thread back; NotFound if there is no such thread."""
    row = tx.one(query, bindings | {"now": time.time()})
    if row is None:
        raise NotFound(f"thread {tid!r} does not exist")
    return Thread.from_row(row)


def delete(tx: Tx, tid: str) -> int:
    """Delete the thread and everything in it; return how many entries went with it."""
    count = tx.value("count_entries", {"thread_id": tid})
    if not tx.run("delete_thread", {"thread_id": tid}):
        raise NotFound(f"thread {tid!r} does not exist")
    return count


def list_page(tx: Tx, bindings: dict[str, Any]) -> list[Thread]:
    """A page of threads with their counts (the bindings of ``list_threads.sql``)."""
    return [Thread.from_row(row) for row in tx.rows("list_threads", bindings)]


def with_entries(tx: Tx, tid: str) -> tuple[Thread, list[Entry]]:
    """A thread and every entry of it, in id order (run in a snapshot: for exports)."""
    thread = get(tx, tid)
    return thread, Entry.from_rows(tx.rows("thread_entries", {"thread_id": tid}))


def find_by_title(tx: Tx, title: str) -> Thread | None:
    """The most recently updated thread that is not archived with this title (ASCII case
    ignored), or ``None``."""
    row = tx.one("find_thread", {"name": title})
    return None if row is None else Thread.from_row(row)


def listed(tx: Tx, tid: str) -> list[Thread]:
    """The thread ``tid`` as a listing gives it (with its counts), alone in a list, or ``[]``."""
    row = tx.one("thread_listed", {"thread_id": tid})
    return [] if row is None else [Thread.from_row(row)]


def by_id_range(tx: Tx, low: str, high: str | None, limit: int) -> list[Thread]:
    """Threads whose id is in ``[low, high)``, or at least ``low`` when ``high`` is ``None``,
    at most ``limit`` (a primary-key range). No bound stands for "none": PostgreSQL has no
    value above every text (SQLite's blob), so that case is a query of its own."""
    if high is None:
        rows = tx.rows("threads_from_id", {"low": low, "limit": limit})
    else:
        rows = tx.rows("threads_by_id_prefix", {"low": low, "high": high, "limit": limit})
    return [Thread.from_row(row) for row in rows]


def by_title(tx: Tx, title: str, limit: int) -> list[Thread]:
    """Threads titled ``title`` (ASCII case ignored, archived ones too), at most ``limit``."""
    return [Thread.from_row(row) for row in tx.rows("threads_titled", {"title": title, "limit": limit})]
