"""Workflow runs recorded on the tree: an agent that explores in branches (issue 21).

A mixin of :class:`threadtree.Store`, written under the store's rules: input checked first
(:class:`InvalidInput` naming the argument), then one transaction that reads what it depends
on under the write lock; an unknown run raises :class:`NotFound`, and a call that raises has
written nothing.

run
    One execution of a workflow on a thread, started with :meth:`~Runs.start_run`. Its status
    moves ``running <-> paused``, ``running | paused -> completed | failed | cancelled``
    (:meth:`~Runs.finish_run`) and ``failed -> running`` (a re-run, which replays the leaf
    runs that completed). Only a running or paused run takes records.
branch run
    A branch the run tried: the branch that starts at an entry (:meth:`~Runs.start_branch`),
    with a status and a result (:meth:`~Runs.finish_branch`).
leaf run
    One task of the workflow, run once, on the entry it produced (:meth:`~Runs.record_leaf_run`),
    with the hash of its input, its output and its artifacts. "Leaf" is the workflow's word
    for a task, not a branch tip. :meth:`~Runs.finished_leaf_run` finds a completed one by
    (run, leaf, input hash), so that a re-run replays it instead of running it again.
decision
    At a decision point (an entry), the candidates (children of it, each with a score, a
    pass/fail verdict and a rationale) and the ones selected (:meth:`~Runs.decide`). The first
    selected one wins: the live leaf moves to the newest entry of its branch in the same
    transaction, as a compare-and-set when ``expected_leaf_id`` is given, recorded in the leaf
    history as ``decide``.

Everything belongs to the run's thread and goes with it. Deleting the branch an entry is on
keeps the records pinned to it, marked (``entry_id`` ``None``, ``branch_deleted_at`` set).
None of these calls changes the thread's ``updated_at``, except a decision that moves the leaf.
"""

from __future__ import annotations

import time
from typing import Any

import attrs

from .. import _json, _validate
from .._db import runs as store_runs
from .._db import tree
from .._db.engine import Tx
from .._db.state import entry_in_thread
from .._sentinel import UNCHECKED, UNSET
from ..errors import Conflict, InvalidInput, NotFound
from ..records import BRANCH_RUN_STATUSES, LEAF_RUN_STATUSES, RUN_STATUSES, BranchRun, Decision, LeafRun, Run, RunTrace
from . import run_checks as check
from .base import StoreBase, expected_leaf

__all__ = ["Runs"]

_FINAL = ("completed", "failed", "cancelled")
_RESUMABLE = {"running": ("paused",), "paused": ("running",), "failed": ("running",)}


class Runs(StoreBase):
    """Workflow runs, their branches, leaf runs and decisions (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    # -- runs --

    def start_run(
        self,
        thread_id: str,
        workflow_id: str,
        goal: str,
        *,
        input_hash: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Run:
        """Start a run of a workflow on the thread; return it, ``running``.

        :param workflow_id: which workflow (``"best-of-3"``, ``"planner"``): runs are listed by it.
        :param goal: what the run is for, in words.
        :param input_hash: a hash of the run's input, as you compute it (kept, not checked).
        :param metadata: a dict of JSON values kept with the run.
        :raises NotFound: there is no such thread.
        :raises InvalidInput: a bad argument.

        >>> thread = store.create_thread()
        >>> run = store.start_run(thread.id, "best-of-3", "answer the question")
        >>> run.status, len(run.run_id)
        ('running', 32)
        """
        tid = _validate.thread_id(thread_id)
        wid = check.name(workflow_id, "workflow_id", self._max_size)
        aim = check.text(goal, "goal", self._max_size)
        digest = check.optional_name(input_hash, "input_hash", self._max_size)
        meta_json = _validate.metadata(metadata, limit=self._max_size)
        now = time.time()
        run = Run(
            store_runs.new_id(), tid, wid, aim, "running", digest, _json_object(meta_json), None, None, now, now, None
        )
        with self._db.write() as tx:
            tree.leaf(tx, tid)  # NotFound for an unknown thread
            store_runs.insert_run(tx, run, meta_json, None)
        return run

    def update_run(self, run_id: str, *, status: Any = UNSET, metadata: Any = UNSET) -> Run:
        """Pause, resume or re-run a run, and/or replace its metadata; return it.

        :param status: ``"paused"`` (from running), ``"running"`` (from paused, or from failed:
            a re-run, which takes records again and replays the completed leaf runs; its
            error and completion time are cleared). Not given: unchanged.
        :param metadata: a dict that replaces the run's metadata. Not given: unchanged.
        :raises NotFound: there is no such run.
        :raises InvalidInput: a bad argument, a final status (use :meth:`finish_run`) or a
            move the lifecycle does not allow (the message names both statuses).
        """
        rid = check.name(run_id, "run_id", self._max_size)
        if status is not UNSET:
            status = check.choice(status, "status", ("running", "paused"))
        meta_json = None if metadata is UNSET else _validate.metadata(metadata, limit=self._max_size)
        with self._db.write() as tx:
            run = store_runs.get_run(tx, rid)
            new = run.status if status is UNSET else status
            if new != run.status and new not in _RESUMABLE.get(run.status, ()):
                raise InvalidInput(_no_move("run", rid, run.status, new))
            moved = new != run.status
            return store_runs.update_run(
                tx,
                run,
                new,
                _validate.metadata(run.metadata) if meta_json is None else meta_json,
                None if moved else _result_json(run),
                None if moved else run.error,
                None if moved else run.completed_at,
                time.time(),
            )

    def finish_run(self, run_id: str, status: str, *, result: Any = None, error: str | None = None) -> Run:
        """End a run: ``completed`` (with an optional ``result``), ``failed`` or ``cancelled``
        (with an optional ``error``); return it. A finished run takes no more records.

        :param result: any JSON value the run ended with; only for ``completed``.
        :param error: text saying why; only for ``failed`` or ``cancelled``.
        :raises NotFound: there is no such run.
        :raises InvalidInput: a bad argument, a result or error where it does not belong, or
            a run that has finished already (the message names both statuses).

        >>> thread = store.create_thread()
        >>> run = store.start_run(thread.id, "demo", "try")
        >>> store.finish_run(run.run_id, "completed", result={"answer": 42}).result
        {'answer': 42}
        """
        rid = check.name(run_id, "run_id", self._max_size)
        new = check.choice(status, "status", _FINAL)
        result_json, _ = check.json_value(result, "result", self._max_size)
        why = check.text(error, "error", self._max_size, optional=True)
        _check_outcome("run", rid, new, result_json, why)
        with self._db.write() as tx:
            run = store_runs.get_run(tx, rid)
            if run.finished:
                raise InvalidInput(_no_move("run", rid, run.status, new))
            now = time.time()
            return store_runs.update_run(tx, run, new, _validate.metadata(run.metadata), result_json, why, now, now)

    def runs(
        self,
        *,
        thread_id: str | None = None,
        workflow_id: str | None = None,
        status: str | None = None,
        limit: int | None = 50,
    ) -> list[Run]:
        """Runs, newest (last started) first: of a thread, of a workflow, in a status, or
        every run of the file; the filters combine.

        :param limit: at most this many (``None``: all).
        :raises NotFound: ``thread_id`` names no thread.
        :raises InvalidInput: a bad argument or an unknown status.
        """
        tid = None if thread_id is None else _validate.thread_id(thread_id)
        wid = None if workflow_id is None else _validate.name(workflow_id, "workflow_id")
        wanted = None if status is None else check.choice(status, "status", RUN_STATUSES)
        n = _validate.limit(limit)
        with self._db.snapshot() as tx:
            found = store_runs.run_list(tx, tid, wid, wanted, n)
            if tid is not None and not found:
                tree.leaf(tx, tid)  # NotFound for an unknown thread
            return found

    def get_run(self, run_id: str) -> RunTrace:
        """The whole picture of a run: the :class:`Run`, its branch runs, leaf runs and
        decisions (candidates, scores, verdicts, rationales, which were selected), each in the
        order recorded.

        :raises NotFound: there is no such run.
        """
        rid = _validate.name(run_id, "run_id")
        with self._db.snapshot() as tx:
            return store_runs.trace(tx, store_runs.get_run(tx, rid))

    # -- branch runs --

    def start_branch(self, run_id: str, entry_id: int) -> BranchRun:
        """Record that the run tries the branch starting at ``entry_id``; return the branch
        run, ``running``. One branch run per entry and run.

        :raises NotFound: the run or the entry does not exist.
        :raises InvalidInput: the entry is in another thread than the run, or the run has finished.
        :raises Conflict: the run has a branch run at that entry already.
        """
        rid = check.name(run_id, "run_id", self._max_size)
        eid = _validate.entry_id(entry_id)
        with self._db.write() as tx:
            run = _open_run(tx, rid)
            entry_in_thread(tx, eid, run.thread_id, "entry_id")
            if store_runs.branch(tx, run.thread_id, rid, eid) is not None:
                raise Conflict(f"run {rid!r} has a branch run at entry {eid} already")
            now = time.time()
            record = BranchRun(rid, run.thread_id, eid, "running", None, None, now, now, None, None)
            store_runs.insert_branch(tx, record, None)
            return record

    def finish_branch(
        self, run_id: str, entry_id: int, status: str, *, result: Any = None, error: str | None = None
    ) -> BranchRun:
        """End a branch run: ``completed`` (with an optional ``result``), ``failed`` or
        ``cancelled`` (with an optional ``error``); return it.

        :raises NotFound: the run has no branch run at that entry (or there is no such run).
        :raises InvalidInput: a bad argument, a branch run that has ended already, or a run
            that has finished.
        """
        rid = check.name(run_id, "run_id", self._max_size)
        eid = _validate.entry_id(entry_id)
        new = check.choice(status, "status", BRANCH_RUN_STATUSES[1:])
        result_json, _ = check.json_value(result, "result", self._max_size)
        why = check.text(error, "error", self._max_size, optional=True)
        _check_outcome("branch run", f"{rid}@{eid}", new, result_json, why)
        with self._db.write() as tx:
            run = _open_run(tx, rid)
            found = store_runs.branch(tx, run.thread_id, rid, eid)
            if found is None:
                raise NotFound(f"run {rid!r} has no branch run at entry {eid}")
            if found.status != "running":
                raise InvalidInput(_no_move("branch run", f"{rid}@{eid}", found.status, new))
            return store_runs.finish_branch(tx, run.thread_id, rid, eid, new, result_json, why, time.time())

    # -- leaf runs --

    def record_leaf_run(
        self,
        run_id: str,
        leaf_id: str,
        *,
        input_hash: str | None = None,
        entry_id: int | None = None,
        status: str = "completed",
        output: Any = None,
        artifacts: Any = None,
        error: str | None = None,
    ) -> LeafRun:
        """Record one task of the run, once it has ended; return the leaf run.

        A completed leaf run is what :meth:`finished_leaf_run` replays for the same run, leaf
        and input hash. Recording a completed one again under that key is a retry: the first
        record comes back when the entry, output and artifacts are the same, and
        :class:`Conflict` is raised when they differ. Failed ones are all kept.

        :param leaf_id: the task, as the workflow names it.
        :param input_hash: a hash of the task's input (e.g. a SHA-256 of its prompt and settings).
        :param entry_id: the entry it produced, an entry of the run's thread.
        :param status: ``"completed"`` or ``"failed"``.
        :param output: any JSON value it gave. :param artifacts: a JSON value naming what it made.
        :param error: why it failed; only for ``failed``.
        :raises NotFound: the run or the entry does not exist.
        :raises InvalidInput: a bad argument, an entry of another thread, or a finished run.
        :raises Conflict: a different completed leaf run has the same key.
        """
        rid = check.name(run_id, "run_id", self._max_size)
        leaf = check.name(leaf_id, "leaf_id", self._max_size)
        digest = check.optional_name(input_hash, "input_hash", self._max_size)
        eid = _validate.optional_entry_id(entry_id, "entry_id")
        state = check.choice(status, "status", LEAF_RUN_STATUSES)
        output_json, output_copy = check.json_value(output, "output", self._max_size)
        artifacts_json, artifacts_copy = check.json_value(artifacts, "artifacts", self._max_size)
        why = check.text(error, "error", self._max_size, optional=True)
        if why is not None and state != "failed":
            raise InvalidInput(f"error is only for a failed leaf run, not a {state} one")
        with self._db.write() as tx:
            run = _open_run(tx, rid)
            if eid is not None:
                entry_in_thread(tx, eid, run.thread_id, "entry_id")
            if state == "completed":
                done = store_runs.finished_leaf_run(tx, run.thread_id, rid, leaf, digest)
                if done is not None:
                    if (done.entry_id, done.output, done.artifacts) == (eid, output_copy, artifacts_copy):
                        return done
                    raise Conflict(
                        f"run {rid!r} has a completed leaf run {leaf!r} for input {digest!r} already, with "
                        "another entry, output or artifacts: replay it (finished_leaf_run) instead"
                    )
            record = LeafRun(
                rid, run.thread_id, leaf, digest, eid, state, output_copy, artifacts_copy, why, time.time(), None
            )
            store_runs.insert_leaf_run(tx, record, output_json, artifacts_json)
            return record

    def finished_leaf_run(self, run_id: str, leaf_id: str, input_hash: str | None = None) -> LeafRun | None:
        """The completed leaf run of this run for that task and input, or ``None``: run the
        task. What a re-run replays instead of running a task again.

        :raises NotFound: there is no such run.

        >>> thread = store.create_thread()
        >>> run = store.start_run(thread.id, "demo", "try")
        >>> print(store.finished_leaf_run(run.run_id, "search", "sha256:ab12"))
        None
        >>> _ = store.record_leaf_run(run.run_id, "search", input_hash="sha256:ab12", output=["lisbon"])
        >>> store.finished_leaf_run(run.run_id, "search", "sha256:ab12").output
        ['lisbon']
        """
        rid = _validate.name(run_id, "run_id")
        leaf = _validate.name(leaf_id, "leaf_id")
        digest = None if input_hash is None else _validate.name(input_hash, "input_hash")
        with self._db.snapshot() as tx:
            run = store_runs.get_run(tx, rid)
            return store_runs.finished_leaf_run(tx, run.thread_id, rid, leaf, digest)

    # -- decisions --

    def decide(
        self,
        run_id: str,
        entry_id: int,
        candidates: list[dict[str, Any]],
        *,
        select: int | list[int],
        expected_leaf_id: int | None = UNCHECKED,
    ) -> Decision:
        """Record the run's decision at ``entry_id``: the candidates judged and the ones
        selected. The first of ``select`` wins: in the same transaction the thread's live leaf
        moves to the newest entry of its branch (the candidate itself when nothing was
        written below it), recorded in the leaf history as ``decide``. A run decides once at
        an entry.

        :param entry_id: the decision point: the entry the candidates fork from.
        :param candidates: dicts ``{"entry_id", "score", "passed", "rationale"}``, one per
            child of ``entry_id`` judged: ``score`` a finite number, ``passed`` True, False or
            None (no verdict; the default), ``rationale`` text or None (the default).
        :param select: the entry id of the chosen candidate, or a list of them, best first
            (``[]``: none chosen; the leaf stays).
        :param expected_leaf_id: a compare-and-set: decide only if the thread's current leaf
            is this entry (``None``: an empty path); otherwise :class:`Conflict`.
        :raises NotFound: the run or an entry does not exist.
        :raises InvalidInput: a bad argument (a score that is not a finite number, a selected
            entry that is not a candidate...), a candidate that is not a child of ``entry_id``,
            an entry of another thread, or a finished run.
        :raises Conflict: the run decided at ``entry_id`` already, or the leaf is not at
            ``expected_leaf_id``; nothing was written.

        >>> thread = store.create_thread()
        >>> question = store.append(thread.id, "user", "Lisbon or Porto?")
        >>> a = store.append(thread.id, "assistant", "Lisbon.")
        >>> b = store.fork(question.id, "assistant", "Porto.")
        >>> run = store.start_run(thread.id, "best-of-2", "answer")
        >>> decision = store.decide(run.run_id, question.id, [
        ...     {"entry_id": a.id, "score": 0.9, "passed": True, "rationale": "more to see"},
        ...     {"entry_id": b.id, "score": 0.4, "passed": True},
        ... ], select=a.id, expected_leaf_id=b.id)
        >>> decision.winner.entry_id == a.id == store.get_thread(thread.id).current_leaf_id
        True
        """
        rid = check.name(run_id, "run_id", self._max_size)
        point = _validate.entry_id(entry_id)
        judged = check.candidates(candidates, self._max_size)
        picks = check.select(select, judged)
        expected = expected_leaf(expected_leaf_id)
        rank: dict[int | None, int] = {eid: n for n, eid in enumerate(picks)}
        judged = [attrs.evolve(c, rank=rank.get(c.entry_id)) for c in judged]
        with self._db.write() as tx:
            run = _open_run(tx, rid)
            tid = run.thread_id
            entry_in_thread(tx, point, tid, "entry_id")
            earlier = store_runs.decided_at(tx, tid, rid, point)
            if earlier is not None:
                raise Conflict(f"run {rid!r} decided at entry {point} already; a run decides once at an entry")
            for index, candidate in enumerate(judged):
                assert candidate.entry_id is not None
                place = tree.place(tx, candidate.entry_id, f"candidates[{index}].entry_id")
                if place.parent_id != point or place.thread_id != tid:
                    raise InvalidInput(
                        f"candidates[{index}].entry_id {candidate.entry_id} is not a child of entry {point}, "
                        "the decision point"
                    )
            if picks:
                target = store_runs.newest_in_branch(tx, tid, picks[0])
                tree.move_leaf_checked(tx, tid, target, expected, "decide")
            else:
                tree.check_expected(tid, tree.leaf(tx, tid).id, expected)
            decision = Decision(rid, tid, point, tuple(judged), time.time(), None)
            store_runs.insert_decision(tx, decision)
            return decision


def _open_run(tx: Tx, rid: str) -> Run:
    """The run, which must take records: running or paused."""
    run = store_runs.get_run(tx, rid)
    if run.finished:
        hint = " (update_run(status='running') re-runs a failed run)" if run.status == "failed" else ""
        raise InvalidInput(f"run {rid!r} is {run.status}: it takes no more records{hint}")
    return run


def _no_move(kind: str, name: str, current: str, new: str) -> str:
    """Why a run or branch run cannot go from ``current`` to ``new``, naming where it can go."""
    if kind == "run":
        allowed = (*_RESUMABLE.get(current, ()), *(_FINAL if current in ("running", "paused") else ()))
    else:
        allowed = _FINAL if current == "running" else ()
    hint = f"from {current!r} only to {' or '.join(map(repr, allowed))}" if allowed else f"{current!r} is final"
    return f"{kind} {name!r} cannot go from {current!r} to {new!r} ({hint})"


def _check_outcome(kind: str, name: str, status: str, result_json: str | None, error: str | None) -> None:
    """A result belongs to a completed run, an error to a failed or cancelled one."""
    if result_json is not None and status != "completed":
        raise InvalidInput(f"result is only for a completed {kind}; {kind} {name!r} would be {status!r}")
    if error is not None and status not in ("failed", "cancelled"):
        raise InvalidInput(f"error is only for a failed or cancelled {kind}; {kind} {name!r} would be {status!r}")


def _json_object(text: str) -> dict[str, Any]:
    """The metadata as it will read back."""
    value = _json.loads(text)
    assert isinstance(value, dict)
    return value


def _result_json(run: Run) -> str | None:
    return None if run.result is None else _json.dumps(run.result, "result")[0]
