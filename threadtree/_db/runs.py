"""Storage functions of workflow runs: runs, branch runs, leaf runs, decisions and candidates.

Each takes the caller's open transaction. A write that reads a status and then moves it
(finish a run, finish a branch) runs inside ``db.write()``, so the read and the
compare-and-set update see the same state; every per-run query names the run's thread as well
as the run, so that a sharded server can route it. The records a deleted branch pinned are
marked by the database itself (the trigger ``entries_mark_run_records`` of migration 0009),
not here: ``tree.delete_branch`` does not know about runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _json
from ..errors import Conflict, NotFound
from ..records import BranchRun, Candidate, Decision, LeafRun, Run, RunTrace
from .engine import Tx, UniqueViolation
from .threads import new_id

__all__ = [
    "branch",
    "candidate_marks",
    "decided_at",
    "delete_run",
    "finish_branch",
    "finished_leaf_run",
    "get_run",
    "insert_branch",
    "insert_decision",
    "insert_leaf_run",
    "insert_run",
    "insert_trace",
    "new_id",
    "newest_in_branch",
    "run_list",
    "trace",
    "traces",
    "update_run",
]

_ALL = -1  # LIMIT -1: no limit


# -- runs --


def insert_run(tx: Tx, run: Run, metadata_json: str, result_json: str | None) -> None:
    """Write ``run`` (a new one, or one from a dump). Conflict if its id is taken."""
    try:
        tx.run(
            "run_insert",
            {
                "run_id": run.run_id,
                "thread_id": run.thread_id,
                "workflow_id": run.workflow_id,
                "goal": run.goal,
                "status": run.status,
                "input_hash": run.input_hash,
                "metadata": metadata_json,
                "result": result_json,
                "error": run.error,
                "started_at": run.started_at,
                "updated_at": run.updated_at,
                "completed_at": run.completed_at,
            },
        )
    except UniqueViolation as exc:
        raise Conflict(f"run {run.run_id!r} already exists") from exc


def get_run(tx: Tx, rid: str) -> Run:
    """The run; NotFound if there is no such run."""
    row = tx.one("run_get", {"run_id": rid})
    if row is None:
        raise NotFound(f"run {rid!r} does not exist")
    return Run.from_row(row)


def update_run(
    tx: Tx,
    run: Run,
    status: str,
    metadata_json: str,
    result_json: str | None,
    error: str | None,
    completed_at: float | None,
    now: float,
) -> Run:
    """Move ``run`` from the status it was read with to ``status`` (compare-and-set) and set
    its metadata, result, error and completion time."""
    row = tx.one(
        "run_update",
        {
            "thread_id": run.thread_id,
            "run_id": run.run_id,
            "from_status": run.status,
            "status": status,
            "metadata": metadata_json,
            "result": result_json,
            "error": error,
            "completed_at": completed_at,
            "now": now,
        },
    )
    if row is None:  # cannot happen under the write lock; never write on a stale read
        raise Conflict(f"run {run.run_id!r} changed while it was being updated; nothing was written")
    return Run.from_row(row)


def run_list(tx: Tx, tid: str | None, wid: str | None, status: str | None, limit: int | None) -> list[Run]:
    """Runs newest first: of a thread (then of a workflow and in a status, when given), else
    of a workflow, else in a status, else all; each the walk of one index."""
    n = _ALL if limit is None else limit
    if tid is not None:
        rows = tx.rows("run_list_thread", {"thread_id": tid, "workflow_id": wid, "status": status, "limit": n})
    elif wid is not None:
        rows = tx.rows("run_list_workflow", {"workflow_id": wid, "status": status, "limit": n})
    elif status is not None:
        rows = tx.rows("run_list_status", {"status": status, "limit": n})
    else:
        rows = tx.rows("run_list_all", {"limit": n})
    return [Run.from_row(row) for row in rows]


def delete_run(tx: Tx, tid: str, rid: str) -> None:
    """Delete a run and its records (a restore replaces a run whole)."""
    tx.run("run_delete", {"thread_id": tid, "run_id": rid})


# -- branch runs --


def branch(tx: Tx, tid: str, rid: str, eid: int) -> BranchRun | None:
    row = tx.one("branch_get", {"thread_id": tid, "run_id": rid, "entry_id": eid})
    return None if row is None else BranchRun.from_row(row)


def insert_branch(tx: Tx, record: BranchRun, result_json: str | None) -> None:
    tx.run(
        "branch_insert",
        {
            "thread_id": record.thread_id,
            "run_id": record.run_id,
            "entry_id": record.entry_id,
            "status": record.status,
            "result": result_json,
            "error": record.error,
            "started_at": record.started_at,
            "updated_at": record.updated_at,
            "completed_at": record.completed_at,
            "branch_deleted_at": record.branch_deleted_at,
        },
    )


def finish_branch(
    tx: Tx, tid: str, rid: str, eid: int, status: str, result_json: str | None, error: str | None, now: float
) -> BranchRun:
    """Move the running branch run to ``status`` (compare-and-set on ``running``)."""
    row = tx.one(
        "branch_finish",
        {
            "thread_id": tid,
            "run_id": rid,
            "entry_id": eid,
            "status": status,
            "result": result_json,
            "error": error,
            "now": now,
        },
    )
    if row is None:  # cannot happen under the write lock; never write on a stale read
        raise Conflict(f"the branch run of run {rid!r} at entry {eid} changed while it was being finished")
    return BranchRun.from_row(row)


# -- leaf runs --


def finished_leaf_run(tx: Tx, tid: str, rid: str, leaf: str, input_hash: str | None) -> LeafRun | None:
    """The completed leaf run of that task and input, or ``None``: what a re-run replays."""
    bindings = {"thread_id": tid, "run_id": rid, "leaf_id": leaf, "input_hash": input_hash}
    row = tx.one("leaf_run_finished", bindings)
    return None if row is None else LeafRun.from_row(row)


def insert_leaf_run(tx: Tx, record: LeafRun, output_json: str | None, artifacts_json: str | None) -> None:
    tx.run(
        "leaf_run_insert",
        {
            "thread_id": record.thread_id,
            "run_id": record.run_id,
            "leaf_id": record.leaf_id,
            "input_hash": record.input_hash,
            "entry_id": record.entry_id,
            "status": record.status,
            "output": output_json,
            "artifacts": artifacts_json,
            "error": record.error,
            "created_at": record.created_at,
            "branch_deleted_at": record.branch_deleted_at,
        },
    )


# -- decisions --


def decided_at(tx: Tx, tid: str, rid: str, eid: int) -> float | None:
    """When the run decided at that entry, ``None`` if it has not."""
    return tx.value("decision_at", {"thread_id": tid, "run_id": rid, "entry_id": eid})


def insert_decision(tx: Tx, decision: Decision) -> None:
    """Write a decision and its candidates."""
    tid = decision.thread_id
    did = tx.value(
        "decision_insert",
        {
            "thread_id": tid,
            "run_id": decision.run_id,
            "entry_id": decision.entry_id,
            "decided_at": decision.decided_at,
            "branch_deleted_at": decision.branch_deleted_at,
        },
    )
    for position, c in enumerate(decision.candidates):  # a few: a statement each
        tx.run(
            "candidate_insert",
            {
                "decision_id": did,
                "position": position,
                "thread_id": tid,
                "entry_id": c.entry_id,
                "score": c.score,
                "passed": None if c.passed is None else int(c.passed),
                "rationale": c.rationale,
                "selected": c.rank,
                "branch_deleted_at": c.branch_deleted_at,
            },
        )


def newest_in_branch(tx: Tx, tid: str, eid: int) -> int:
    """The newest entry of the branch that starts at ``eid`` (``eid`` itself if nothing is below)."""
    return tx.value("branch_newest", {"thread_id": tid, "entry_id": eid})


def candidate_marks(tx: Tx, tid: str) -> dict[int, tuple[float, bool | None, int | None]]:
    """entry id -> (score, passed, place in select) of every candidate of the thread still on
    the tree; the latest decision counts for an entry judged twice."""
    return {
        eid: (score, None if passed is None else passed == 1, rank)
        for eid, score, passed, rank in tx.rows("candidate_marks", {"thread_id": tid})
    }


# -- the whole picture --


def trace(tx: Tx, run: Run) -> RunTrace:
    """The run with its branch runs, leaf runs and decisions (run in a snapshot)."""
    key = {"thread_id": run.thread_id, "run_id": run.run_id}
    branches = tuple(BranchRun.from_row(row) for row in tx.rows("branch_list", key))
    leaf_runs = tuple(LeafRun.from_row(row) for row in tx.rows("leaf_run_list", key))
    return RunTrace(run, branches, leaf_runs, _decisions(run, tx.rows("decision_list", key)))


def _decisions(run: Run, rows: Iterable[tuple[Any, ...]]) -> tuple[Decision, ...]:
    made: dict[int, tuple[tuple[Any, ...], list[Candidate]]] = {}
    for did, eid, at, deleted, *candidate in rows:
        made.setdefault(did, ((eid, at, deleted), []))[1].append(Candidate.from_row(tuple(candidate)))
    return tuple(
        Decision(run.run_id, run.thread_id, eid, tuple(candidates), at, deleted)
        for (eid, at, deleted), candidates in made.values()
    )


def traces(tx: Tx, tid: str) -> list[RunTrace]:
    """Every run of the thread with its records, oldest first (run in a snapshot: for a dump)."""
    runs = run_list(tx, tid, None, None, None)
    runs.reverse()
    return [trace(tx, run) for run in runs]


def insert_trace(tx: Tx, whole: RunTrace) -> None:
    """Write a run and every record of it, as a dump holds them (the restore of a run)."""
    run = whole.run
    insert_run(tx, run, _json.dumps(run.metadata, "metadata")[0], _text(run.result))
    for branch_run in whole.branches:
        insert_branch(tx, branch_run, _text(branch_run.result))
    for leaf_run in whole.leaf_runs:
        insert_leaf_run(tx, leaf_run, _text(leaf_run.output), _text(leaf_run.artifacts))
    for decision in whole.decisions:
        insert_decision(tx, decision)


def _text(value: Any) -> str | None:
    """JSON text of a value read back from JSON (so exact), ``None`` for ``None``."""
    return None if value is None else _json.dumps(value, "value")[0]
