"""The workflow runs of a thread in threadtree's jsonl dump (see :mod:`.jsonl`).

After a thread's entry lines, each run of the thread is one line::

    {"type": "run", "run_id": ..., "thread_id": ..., <every field of threadtree.Run>,
     "branches": [<BranchRun fields>], "leaf_runs": [<LeafRun fields>],
     "decisions": [{"entry_id", "decided_at", "branch_deleted_at", "candidates": [<Candidate fields>]}]}

oldest run first, the records of each in the order recorded (their ``run_id`` and ``thread_id``
are the run's, so they are left out). A reader older than runs refuses the thread with "type
must be 'thread' or 'entry', not 'run'": it cannot keep the runs, so it writes none of it and
says why. Restoring checks every field as the Store's calls check them, and the shape a run's
records must have (a candidate is a child of its decision point, a record's entry is an entry
of the dump), then writes each run whole: a run the file has in the same thread is replaced
when it differs (a newer dump) and left alone when it does not; a run id the file has in
another thread is given a new id (a note says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .. import _json, _validate
from .._api import run_checks as check
from .._db import Tx
from .._db import runs as store_runs
from ..errors import InvalidInput, NotFound
from ..records import (
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

__all__ = ["RUN_KEYS", "checked", "lines", "restore"]

_OWN = ("run_id", "thread_id")  # a record's, the same as its run's: left out of the line
_RUN = tuple(f.name for f in attrs.fields(Run))
_BRANCH = tuple(f.name for f in attrs.fields(BranchRun) if f.name not in _OWN)
_LEAF = tuple(f.name for f in attrs.fields(LeafRun) if f.name not in _OWN)
_DECISION = ("entry_id", "decided_at", "branch_deleted_at", "candidates")
_CANDIDATE = tuple(f.name for f in attrs.fields(Candidate))

RUN_KEYS = frozenset({"type", *_RUN, "branches", "leaf_runs", "decisions"})
"""The keys of a run line, every one required."""


def lines(traces: list[RunTrace]) -> list[dict[str, Any]]:
    """The run lines of a thread's block, oldest run first."""
    return [
        {"type": "run"}
        | attrs.asdict(t.run)
        | {
            "branches": [_own_fields(b, _BRANCH) for b in t.branches],
            "leaf_runs": [_own_fields(leaf, _LEAF) for leaf in t.leaf_runs],
            "decisions": [
                _own_fields(d, _DECISION[:-1]) | {"candidates": [attrs.asdict(c) for c in d.candidates]}
                for d in t.decisions
            ],
        }
        for t in traces
    ]


def _own_fields(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


# -- checking a dump's runs --


def checked(
    given: list[dict[str, Any]], tid: str, entries: Mapping[int, dict[str, Any]], max_size: int
) -> list[RunTrace]:
    """The runs of a block as records (with the dump's entry ids), every field checked.

    :param entries: the block's entry lines by id (a record's entry must be one of them).
    :raises InvalidInput: naming the run and the field.
    """
    found: list[RunTrace] = []
    seen: set[str] = set()
    for index, line in enumerate(given):
        where = f"run {index + 1} ({line.get('run_id')!r})"
        try:
            whole = _run(line, tid, entries, max_size)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc}") from None
        if whole.run.run_id in seen:
            raise InvalidInput(f"{where}: run id {whole.run.run_id!r} appears twice")
        seen.add(whole.run.run_id)
        found.append(whole)
    return found


def _run(line: dict[str, Any], tid: str, entries: Mapping[int, dict[str, Any]], max_size: int) -> RunTrace:
    _keys(line, RUN_KEYS, "a run line")
    rid = check.name(line["run_id"], "run_id", max_size)
    status = check.choice(line["status"], "status", RUN_STATUSES)
    run = Run(
        rid,
        tid,
        check.name(line["workflow_id"], "workflow_id", max_size),
        check.text(line["goal"], "goal", max_size),
        status,
        check.optional_name(line["input_hash"], "input_hash", max_size),
        _json.loads(_validate.metadata(line["metadata"], limit=max_size)),
        check.json_value(line["result"], "result", max_size)[1],
        check.text(line["error"], "error", max_size, optional=True),
        _seconds(line["started_at"], "started_at"),
        _seconds(line["updated_at"], "updated_at"),
        _maybe_seconds(line["completed_at"], "completed_at"),
    )
    _lifecycle("", run.status, run.result, run.error, run.completed_at, ("running", "paused"))
    branches = [
        _branch(b, rid, tid, f"branches[{n}]", entries, max_size) for n, b in enumerate(_list(line, "branches"))
    ]
    starts = [b.entry_id for b in branches if b.entry_id is not None]
    if len(starts) != len(set(starts)):
        raise InvalidInput("branches: two branch runs start at one entry")
    leaf_runs = [
        _leaf_run(r, rid, tid, f"leaf_runs[{n}]", entries, max_size) for n, r in enumerate(_list(line, "leaf_runs"))
    ]
    keys = [(r.leaf_id, r.input_hash) for r in leaf_runs if r.status == "completed"]
    if len(keys) != len(set(keys)):
        raise InvalidInput("leaf_runs: two completed leaf runs of one task and input")
    decisions = [
        _decision(d, rid, tid, f"decisions[{n}]", entries, max_size) for n, d in enumerate(_list(line, "decisions"))
    ]
    points = [d.entry_id for d in decisions if d.entry_id is not None]
    if len(points) != len(set(points)):
        raise InvalidInput("decisions: two decisions at one entry")
    return RunTrace(run, tuple(branches), tuple(leaf_runs), tuple(decisions))


def _branch(given: Any, rid: str, tid: str, where: str, entries: Mapping[int, Any], max_size: int) -> BranchRun:
    line = _record(given, where, _BRANCH)
    eid, deleted = _pin(line, where, entries, required=True)
    record = BranchRun(
        rid,
        tid,
        eid,
        check.choice(line["status"], f"{where}.status", BRANCH_RUN_STATUSES),
        check.json_value(line["result"], f"{where}.result", max_size)[1],
        check.text(line["error"], f"{where}.error", max_size, optional=True),
        _seconds(line["started_at"], f"{where}.started_at"),
        _seconds(line["updated_at"], f"{where}.updated_at"),
        _maybe_seconds(line["completed_at"], f"{where}.completed_at"),
        deleted,
    )
    _lifecycle(f"{where}.", record.status, record.result, record.error, record.completed_at, ("running",))
    return record


def _leaf_run(given: Any, rid: str, tid: str, where: str, entries: Mapping[int, Any], max_size: int) -> LeafRun:
    line = _record(given, where, _LEAF)
    eid, deleted = _pin(line, where, entries, required=False)
    status = check.choice(line["status"], f"{where}.status", LEAF_RUN_STATUSES)
    error = check.text(line["error"], f"{where}.error", max_size, optional=True)
    if error is not None and status != "failed":
        raise InvalidInput(f"{where}.error is only for a failed leaf run")
    return LeafRun(
        rid,
        tid,
        check.name(line["leaf_id"], f"{where}.leaf_id", max_size),
        check.optional_name(line["input_hash"], f"{where}.input_hash", max_size),
        eid,
        status,
        check.json_value(line["output"], f"{where}.output", max_size)[1],
        check.json_value(line["artifacts"], f"{where}.artifacts", max_size)[1],
        error,
        _seconds(line["created_at"], f"{where}.created_at"),
        deleted,
    )


def _decision(given: Any, rid: str, tid: str, where: str, entries: Mapping[int, Any], max_size: int) -> Decision:
    line = _record(given, where, _DECISION)
    point, deleted = _pin(line, where, entries, required=True)
    found: list[Candidate] = []
    for n, c in enumerate(_list(line, "candidates", where)):
        at = f"{where}.candidates[{n}]"
        candidate = _record(c, at, _CANDIDATE)
        eid, gone = _pin(candidate, at, entries, required=True)
        if eid is not None and point is not None and entries[eid]["parent_id"] != point:
            raise InvalidInput(f"{at}.entry_id {eid} is not a child of entry {point}, the decision point")
        rank = candidate["rank"]
        if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 0):
            raise InvalidInput(f"{at}.rank must be an int of at least 0 or null, not {rank!r}")
        passed = candidate["passed"]
        found.append(
            Candidate(
                eid,
                check.score(candidate["score"], f"{at}.score"),
                None if passed is None else _validate.flag(passed, f"{at}.passed"),
                check.text(candidate["rationale"], f"{at}.rationale", max_size, optional=True),
                rank,
                gone,
            )
        )
    if not found:
        raise InvalidInput(f"{where}.candidates is empty")
    ranks = sorted(c.rank for c in found if c.rank is not None)
    if ranks != list(range(len(ranks))):
        raise InvalidInput(f"{where}: the ranks of the selected candidates are not 0, 1, 2...")
    entry_ids = [c.entry_id for c in found if c.entry_id is not None]
    if len(entry_ids) != len(set(entry_ids)):
        raise InvalidInput(f"{where}: two candidates are one entry")
    return Decision(rid, tid, point, tuple(found), _seconds(line["decided_at"], f"{where}.decided_at"), deleted)


def _keys(line: Mapping[str, Any], keys: frozenset[str], what: str) -> None:
    if line.keys() != keys:
        missing, unknown = sorted(keys - line.keys()), sorted(map(str, line.keys() - keys))
        raise InvalidInput(
            f"{what} needs {missing} and has unknown {unknown}" if unknown else f"{what} needs {missing}"
        )


def _record(given: Any, where: str, names: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(given, Mapping):
        raise InvalidInput(f"{where} must be an object, not {type(given).__name__}")
    _keys(given, frozenset(names), where)
    return given


def _list(line: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    value = line[key]
    if not isinstance(value, list):
        raise InvalidInput(f"{where + '.' if where else ''}{key} must be a list, not {type(value).__name__}")
    return value


def _pin(
    line: Mapping[str, Any], where: str, entries: Mapping[int, Any], *, required: bool
) -> tuple[int | None, float | None]:
    """(entry id, branch_deleted_at) of a record: an entry of the dump, or none and the time its
    branch was deleted (a leaf run may have neither)."""
    eid, deleted = line["entry_id"], _maybe_seconds(line["branch_deleted_at"], f"{where}.branch_deleted_at")
    if eid is None:
        if deleted is None and required:
            raise InvalidInput(f"{where} has neither an entry_id nor a branch_deleted_at")
        return None, deleted
    eid = _validate.entry_id(eid, f"{where}.entry_id")
    if deleted is not None:
        raise InvalidInput(f"{where} has an entry_id and a branch_deleted_at")
    if eid not in entries:
        raise InvalidInput(f"{where}.entry_id {eid} is not an entry of the thread")
    return eid, None


def _lifecycle(
    where: str, status: str, result: Any, error: Any, completed_at: Any, open_statuses: tuple[str, ...]
) -> None:
    """The columns a status allows: what the database's CHECKs would refuse, refused by name."""
    if result is not None and status != "completed":
        raise InvalidInput(f"{where}result is only for a completed record, not a {status} one")
    if error is not None and status not in ("failed", "cancelled"):
        raise InvalidInput(f"{where}error is only for a failed or cancelled record, not a {status} one")
    if (completed_at is None) != (status in open_statuses):
        raise InvalidInput(f"{where}completed_at must be {'null' if status in open_statuses else 'set'} when {status}")


def _seconds(value: Any, field: str) -> float:
    seconds = _validate.time_bound(value, field)
    if seconds is None:
        raise InvalidInput(f"{field} must be Unix seconds, not null")
    return seconds


def _maybe_seconds(value: Any, field: str) -> float | None:
    return _validate.time_bound(value, field)


# -- writing them --


def restore(tx: Tx, tid: str, traces: list[RunTrace], mapped: Mapping[int, int]) -> tuple[int, list[str]]:
    """Write the runs of a restored block (entry ids mapped to the file's); return how many
    runs were written and the notes."""
    written, notes = 0, []
    for whole in traces:
        whole = _mapped(whole, mapped)
        rid = whole.run.run_id
        try:
            have = store_runs.get_run(tx, rid)
        except NotFound:
            have = None
        if have is not None and have.thread_id == tid:
            if store_runs.trace(tx, have) == whole:
                continue
            store_runs.delete_run(tx, tid, rid)
        elif have is not None:
            new = store_runs.new_id()
            notes.append(f"run {rid!r} is a run of thread {have.thread_id!r} in this file; restored as run {new!r}")
            whole = _renamed(whole, new)
        store_runs.insert_trace(tx, whole)
        written += 1
    return written, notes


def _mapped(whole: RunTrace, mapped: Mapping[int, int]) -> RunTrace:
    def to(eid: int | None) -> int | None:
        return None if eid is None else mapped[eid]

    return RunTrace(
        whole.run,
        tuple(attrs.evolve(b, entry_id=to(b.entry_id)) for b in whole.branches),
        tuple(attrs.evolve(r, entry_id=to(r.entry_id)) for r in whole.leaf_runs),
        tuple(
            attrs.evolve(
                d,
                entry_id=to(d.entry_id),
                candidates=tuple(attrs.evolve(c, entry_id=to(c.entry_id)) for c in d.candidates),
            )
            for d in whole.decisions
        ),
    )


def _renamed(whole: RunTrace, rid: str) -> RunTrace:
    return RunTrace(
        attrs.evolve(whole.run, run_id=rid),
        tuple(attrs.evolve(b, run_id=rid) for b in whole.branches),
        tuple(attrs.evolve(r, run_id=rid) for r in whole.leaf_runs),
        tuple(attrs.evolve(d, run_id=rid) for d in whole.decisions),
    )
