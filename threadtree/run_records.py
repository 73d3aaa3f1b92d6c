"""The records of workflow runs (see :meth:`threadtree.Store.start_run`): frozen attrs classes
built from database rows, re-exported by :mod:`threadtree.records` and :mod:`threadtree`.

A *run* is one execution of an agent's workflow on a thread. While it explores, it records on
the thread's tree: the *branches* it tried (each starts at an entry), the *leaf runs* (one per
task of the workflow, with the hash of its input, its output and artifacts: a re-run replays
a finished one instead of running it again) and its *decisions* (at a decision point, an
entry, the *candidates*, children of that entry, each with a score, a pass/fail verdict and a
rationale, and the ones selected; the first selected became the live branch).

A record pinned to an entry whose branch was deleted since keeps its place in the run with
``entry_id`` ``None`` and ``branch_deleted_at`` set: the run happened; its branch is gone.

The column order of every ``from_row`` is fixed by the select lists in
``sql/sqlite/queries/run_*.sql``, ``branch_*.sql``, ``leaf_run_*.sql``, ``decision_*.sql`` and
``candidate_*.sql``.
"""

from __future__ import annotations

from typing import Any

import attrs

from . import _json

__all__ = [
    "BRANCH_RUN_STATUSES",
    "LEAF_RUN_STATUSES",
    "RUN_STATUSES",
    "BranchRun",
    "Candidate",
    "Decision",
    "LeafRun",
    "Run",
    "RunTrace",
]

RUN_STATUSES = ("running", "paused", "completed", "failed", "cancelled")
"""The statuses of a :class:`Run`: ``running -> paused | completed | failed | cancelled``,
``paused -> running | completed | failed | cancelled``, ``failed -> running`` (a re-run)."""

BRANCH_RUN_STATUSES = ("running", "completed", "failed", "cancelled")
"""The statuses of a :class:`BranchRun`: ``running -> completed | failed | cancelled``."""

LEAF_RUN_STATUSES = ("completed", "failed")
"""The statuses of a :class:`LeafRun`: it is recorded once its task has ended."""


@attrs.frozen
class Run:
    """One run of a workflow on a thread (see :meth:`Store.start_run`).

    :ivar run_id: its id, unique in the file (32 hex digits, made by ``start_run``).
    :ivar thread_id: the thread it explores.
    :ivar workflow_id: which workflow it runs, as the caller names it (``"best-of-3"``).
    :ivar goal: what it is for, in words.
    :ivar status: one of :data:`RUN_STATUSES`.
    :ivar input_hash: a hash of its input, as the caller computed it, or ``None``.
    :ivar metadata: a dict (a JSON object) the caller keeps with it.
    :ivar result: the JSON value it finished with (only when completed), else ``None``.
    :ivar error: why it failed or was cancelled, else ``None``.
    :ivar started_at: Unix seconds (UTC).
    :ivar updated_at: Unix seconds (UTC) of its latest change (its records do not count).
    :ivar completed_at: when it finished (completed, failed or cancelled), else ``None``.
    """

    run_id: str
    thread_id: str
    workflow_id: str
    goal: str
    status: str
    input_hash: str | None
    metadata: dict[str, Any]
    result: Any
    error: str | None
    started_at: float
    updated_at: float
    completed_at: float | None

    @property
    def finished(self) -> bool:
        """Completed, failed or cancelled: the run takes no more records (a failed run does
        again once :meth:`Store.update_run` set it running)."""
        return self.status not in ("running", "paused")

    @classmethod
    def from_row(cls, row: tuple) -> Run:
        run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error, *times = row
        return cls(
            run_id,
            thread_id,
            workflow_id,
            goal,
            status,
            input_hash,
            _json.loads(metadata),
            _json.loads(result),
            error,
            *times,
        )


@attrs.frozen
class BranchRun:
    """A branch a run tried: the branch that starts at ``entry_id`` (see :meth:`Store.start_branch`).

    :ivar run_id: its run.
    :ivar thread_id: the run's thread.
    :ivar entry_id: the entry the branch starts at; ``None`` once that branch was deleted.
    :ivar status: one of :data:`BRANCH_RUN_STATUSES`.
    :ivar result: the JSON value it finished with (only when completed), else ``None``.
    :ivar error: why it failed or was cancelled, else ``None``.
    :ivar started_at: Unix seconds (UTC).
    :ivar updated_at: Unix seconds (UTC) of its latest change.
    :ivar completed_at: when it finished, else ``None``.
    :ivar branch_deleted_at: when its branch was deleted, else ``None``.
    """

    run_id: str
    thread_id: str
    entry_id: int | None
    status: str
    result: Any
    error: str | None
    started_at: float
    updated_at: float
    completed_at: float | None
    branch_deleted_at: float | None

    @classmethod
    def from_row(cls, row: tuple) -> BranchRun:
        run_id, thread_id, entry_id, status, result, *rest = row
        return cls(run_id, thread_id, entry_id, status, _json.loads(result), *rest)


@attrs.frozen
class LeafRun:
    """One task of a run's workflow, run once (see :meth:`Store.record_leaf_run`). "Leaf" is
    the workflow's word for a task (a leaf of its plan), not a branch tip of the thread.

    :ivar run_id: its run.
    :ivar thread_id: the run's thread.
    :ivar leaf_id: the task, as the workflow names it.
    :ivar input_hash: a hash of the task's input, or ``None``: with ``run_id`` and
        ``leaf_id``, the key :meth:`Store.finished_leaf_run` replays a completed task by.
    :ivar entry_id: the entry it produced (or belongs to), ``None`` if none or if that
        entry's branch was deleted (then ``branch_deleted_at`` says when).
    :ivar status: ``"completed"`` or ``"failed"``.
    :ivar output: the JSON value it gave, ``None`` if none.
    :ivar artifacts: a JSON value naming what it made (files, URLs...), ``None`` if none.
    :ivar error: why it failed, else ``None``.
    :ivar created_at: Unix seconds (UTC) of the record.
    :ivar branch_deleted_at: when its entry's branch was deleted, else ``None``.
    """

    run_id: str
    thread_id: str
    leaf_id: str
    input_hash: str | None
    entry_id: int | None
    status: str
    output: Any
    artifacts: Any
    error: str | None
    created_at: float
    branch_deleted_at: float | None

    @classmethod
    def from_row(cls, row: tuple) -> LeafRun:
        run_id, thread_id, leaf_id, input_hash, entry_id, status, output, artifacts, *rest = row
        return cls(
            run_id,
            thread_id,
            leaf_id,
            input_hash,
            entry_id,
            status,
            _json.loads(output),
            _json.loads(artifacts),
            *rest,
        )


@attrs.frozen
class Candidate:
    """One branch judged at a decision: a child of the decision entry.

    :ivar entry_id: the child entry its branch starts at; ``None`` once that branch was deleted.
    :ivar score: the judge's score (a finite float).
    :ivar passed: the judge's pass/fail verdict, ``None`` if it gave none.
    :ivar rationale: why, in the judge's words, or ``None``.
    :ivar rank: its place in the decision's ``select`` (``0``: the first, the winner whose
        branch became live), ``None`` when it was not selected.
    :ivar branch_deleted_at: when its branch was deleted, else ``None``.
    """

    entry_id: int | None
    score: float
    passed: bool | None
    rationale: str | None
    rank: int | None
    branch_deleted_at: float | None

    @property
    def selected(self) -> bool:
        """Whether the decision selected it."""
        return self.rank is not None

    @classmethod
    def from_row(cls, row: tuple) -> Candidate:
        entry_id, score, passed, rationale, rank, deleted = row
        return cls(entry_id, score, None if passed is None else passed == 1, rationale, rank, deleted)


@attrs.frozen
class Decision:
    """A decision of a run (see :meth:`Store.decide`): its candidates and the ones selected.

    :ivar run_id: its run.
    :ivar thread_id: the run's thread.
    :ivar entry_id: the decision point, the entry the candidates fork from; ``None`` once its
        branch was deleted.
    :ivar candidates: the candidates, in the order they were given.
    :ivar decided_at: Unix seconds (UTC).
    :ivar branch_deleted_at: when the decision point's branch was deleted, else ``None``.
    """

    run_id: str
    thread_id: str
    entry_id: int | None
    candidates: tuple[Candidate, ...]
    decided_at: float
    branch_deleted_at: float | None

    @property
    def selected(self) -> tuple[Candidate, ...]:
        """The selected candidates, in the order of ``select``."""
        return tuple(sorted((c for c in self.candidates if c.rank is not None), key=lambda c: c.rank or 0))

    @property
    def winner(self) -> Candidate | None:
        """The first selected candidate, whose branch the live leaf moved to (``None``: none
        was selected)."""
        return next((c for c in self.candidates if c.rank == 0), None)


@attrs.frozen
class RunTrace:
    """The whole picture of a run (see :meth:`Store.get_run`): the run and its records, each
    list in the order recorded.

    :ivar run: the :class:`Run`.
    :ivar branches: its :class:`BranchRun` records.
    :ivar leaf_runs: its :class:`LeafRun` records.
    :ivar decisions: its :class:`Decision` records, candidates included.
    """

    run: Run
    branches: tuple[BranchRun, ...] = ()
    leaf_runs: tuple[LeafRun, ...] = ()
    decisions: tuple[Decision, ...] = ()
