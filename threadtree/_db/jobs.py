"""Storage functions of jobs (which belong to no thread) and of a thread's tool definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import NotFound
from ..records import Job
from .engine import Tx
from .tree import leaf

__all__ = ["delete_job", "job", "jobs", "set_tools", "tool_definitions", "upsert_job"]


def upsert_job(tx: Tx, bindings: dict[str, Any]) -> Job:
    """Create or replace the job (the bindings of ``job_upsert.sql``); return it."""
    row = tx.one("job_upsert", bindings)
    assert row is not None  # an upsert ... returning gives the row it wrote
    return Job.from_row(row)


def job(tx: Tx, jid: str) -> Job | None:
    row = tx.one("job_get", {"job_id": jid})
    return None if row is None else Job.from_row(row)


def jobs(tx: Tx, limit: int | None) -> list[Job]:
    return [Job.from_row(row) for row in tx.rows("job_list", {"limit": -1 if limit is None else limit})]


def delete_job(tx: Tx, jid: str) -> None:
    if not tx.run("job_delete", {"job_id": jid}):
        raise NotFound(f"job {jid!r} does not exist")


def set_tools(tx: Tx, tid: str, definitions: Iterable[tuple[str, str]]) -> None:
    """Replace the thread's tools with ``(name, JSON text)`` definitions, in order."""
    leaf(tx, tid)  # NotFound for an unknown thread
    tx.run("tools_delete", {"thread_id": tid})
    for position, (name, definition) in enumerate(definitions):
        tx.run("tools_insert", {"thread_id": tid, "position": position, "name": name, "definition": definition})


def tool_definitions(tx: Tx, tid: str) -> list[str]:
    """The JSON texts of the thread's tools, in order (run in a snapshot: NotFound for no thread)."""
    rows = tx.all("tools_list", {"thread_id": tid})
    if not rows:
        leaf(tx, tid)  # NotFound for an unknown thread; else none set
    return [definition for (definition,) in rows]
