"""Workflow runs on the tree (issue 21): runs, branch runs, leaf runs and decisions.

Every call against its contract; bad input (a clear threadtree error naming the argument,
nothing written); the lifecycles, also as the schema holds them on its own (raw SQL).
Deleting branches and threads, the tree's marks, the dump and the command line are in
test_runs_tree.py; several processes at once in test_runs_concurrency.py.
"""

from __future__ import annotations

import math

import pytest

import threadtree
from threadtree import BranchRun, Conflict, Decision, InvalidInput, LeafRun, NotFound, Run, RunTrace

from .helpers import connect, constraint_error, logical_dump


@pytest.fixture
def fork3(store, thread):
    """A question with three answers (the live leaf on the third) and a running run:
    names -> entry ids, plus "run"."""
    question = store.append(thread.id, "user", "Lisbon, Porto or Faro?")
    a = store.append(thread.id, "assistant", "Lisbon.")
    a2 = store.append(thread.id, "user", "Why?")  # the first candidate's branch goes on
    b = store.fork(question.id, "assistant", "Porto.")
    c = store.fork(question.id, "assistant", "Faro.")
    run = store.start_run(thread.id, "best-of-3", "answer the question")
    return {"q": question.id, "a": a.id, "a2": a2.id, "b": b.id, "c": c.id, "run": run.run_id}


def judged(ids, *names, score=0.5):
    return [{"entry_id": ids[n], "score": score} for n in names]


class TestStartRun:
    def test_a_run_starts_running_and_reads_back(self, store, thread):
        run = store.start_run(thread.id, "planner", "plan a trip", input_hash="sha256:1f", metadata={"model": "m"})
        assert isinstance(run, Run)
        assert (run.thread_id, run.workflow_id, run.goal, run.status) == ("t", "planner", "plan a trip", "running")
        assert (run.input_hash, run.metadata, run.result, run.error, run.completed_at) == ("sha256:1f", {"model": "m"}, None, None, None)
        assert run.started_at == run.updated_at and len(run.run_id) == 32
        assert store.get_run(run.run_id) == RunTrace(run)
        assert store.runs(thread_id=thread.id) == [run]

    def test_an_unknown_thread_is_not_found_and_nothing_is_written(self, store, db_path):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="'nope'"):
            store.start_run("nope", "w", "g")
        assert logical_dump(db_path) == before

    def test_a_run_changes_nothing_of_its_thread(self, store, thread):
        store.start_run(thread.id, "w", "g")
        assert store.get_thread(thread.id) == thread


class TestLifecycle:
    def test_pause_resume_and_finish(self, store, thread):
        run = store.start_run(thread.id, "w", "g")
        assert store.update_run(run.run_id, status="paused").status == "paused"
        assert store.update_run(run.run_id, status="running").status == "running"
        done = store.finish_run(run.run_id, "completed", result={"answer": 42})
        assert (done.status, done.result, done.error) == ("completed", {"answer": 42}, None)
        assert done.completed_at == done.updated_at >= done.started_at
        assert store.get_run(run.run_id).run == done

    def test_a_paused_run_can_finish(self, store, thread):
        run = store.start_run(thread.id, "w", "g")
        store.update_run(run.run_id, status="paused")
        assert store.finish_run(run.run_id, "cancelled", error="user left").error == "user left"

    def test_a_failed_run_runs_again_and_forgets_its_error(self, store, thread):
        run = store.start_run(thread.id, "w", "g")
        failed = store.finish_run(run.run_id, "failed", error="timeout")
        assert (failed.status, failed.error) == ("failed", "timeout") and failed.completed_at is not None
        again = store.update_run(run.run_id, status="running")
        assert (again.status, again.error, again.completed_at) == ("running", None, None)

    @pytest.mark.parametrize("final", ["completed", "cancelled"])
    def test_completed_and_cancelled_are_final(self, store, thread, final):
        run = store.start_run(thread.id, "w", "g")
        store.finish_run(run.run_id, final)
        with pytest.raises(InvalidInput, match=f"cannot go from '{final}' to 'running' \\('{final}' is final\\)"):
            store.update_run(run.run_id, status="running")
        with pytest.raises(InvalidInput, match=f"cannot go from '{final}' to 'failed'"):
            store.finish_run(run.run_id, "failed")

    def test_finishing_twice_names_both_statuses_and_writes_nothing(self, store, db_path, thread):
        run = store.start_run(thread.id, "w", "g")
        store.finish_run(run.run_id, "failed", error="x")
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match="cannot go from 'failed' to 'completed' \\(from 'failed' only to 'running'\\)"):
            store.finish_run(run.run_id, "completed")
        assert logical_dump(db_path) == before

    def test_metadata_is_replaced_and_the_rest_kept(self, store, thread):
        run = store.start_run(thread.id, "w", "g", metadata={"a": 1})
        done = store.finish_run(run.run_id, "completed", result=[1])
        updated = store.update_run(run.run_id, metadata={"b": 2})
        assert (updated.metadata, updated.status, updated.result, updated.completed_at) == ({"b": 2}, "completed", [1], done.completed_at)

    @pytest.mark.parametrize(
        "call, match",
        [
            (lambda s, r: s.update_run(r, status="completed"), "status must be one of 'running', 'paused'"),
            (lambda s, r: s.update_run(r, status="paused") and s.update_run(r, status="paused"), None),
            (lambda s, r: s.finish_run(r, "failed", result=1), "result is only for a completed run"),
            (lambda s, r: s.finish_run(r, "completed", error="x"), "error is only for a failed or cancelled run"),
            (lambda s, r: s.finish_run(r, "running"), "status must be one of 'completed', 'failed', 'cancelled'"),
            (lambda s, r: s.finish_run(r, "completed", result=math.nan), "result cannot be stored exactly"),
            (lambda s, r: s.update_run(r, metadata=[1]), "metadata must be a dict"),
            (lambda s, r: s.finish_run("nope", "completed"), "run 'nope' does not exist"),
        ],
    )
    def test_bad_moves_and_values(self, store, thread, call, match):
        run = store.start_run(thread.id, "w", "g")
        if match is None:  # paused -> paused is no move: allowed, nothing changes
            assert call(store, run.run_id).status == "paused"
            return
        with pytest.raises((InvalidInput, NotFound), match=match):
            call(store, run.run_id)

    def test_the_schema_holds_the_lifecycle_itself(self, store, db_path, thread):
        run = store.start_run(thread.id, "w", "g")
        store.finish_run(run.run_id, "completed")
        conn = connect(db_path)
        refused = constraint_error(db_path)
        with pytest.raises(refused, match="a run moves"):
            conn.execute("update workflow_runs set status = 'running', completed_at = null where run_id = ?", (run.run_id,))
        with pytest.raises(refused):  # a result on a run that did not complete
            conn.execute("update workflow_runs set error = null, result = '1', status = 'cancelled' where run_id = ?", (run.run_id,))
        with pytest.raises(refused, match="stays in its thread"):
            conn.execute("update workflow_runs set thread_id = 'other' where run_id = ?", (run.run_id,))
        conn.close()


class TestListing:
    def test_newest_first_and_filtered(self, store, thread, other_thread):
        made = [
            store.start_run(thread.id, "plan", "1"),
            store.start_run(other_thread.id, "plan", "2"),
            store.start_run(thread.id, "judge", "3"),
            store.start_run(thread.id, "plan", "4"),
        ]
        done = store.finish_run(made[3].run_id, "completed")
        goals = lambda runs: [r.goal for r in runs]  # noqa: E731
        assert goals(store.runs()) == ["4", "3", "2", "1"]
        assert goals(store.runs(thread_id=thread.id)) == ["4", "3", "1"]
        assert goals(store.runs(workflow_id="plan")) == ["4", "2", "1"]
        assert goals(store.runs(status="running")) == ["3", "2", "1"]
        assert store.runs(status="completed") == [done]
        assert goals(store.runs(thread_id=thread.id, workflow_id="plan", status="running")) == ["1"]
        assert goals(store.runs(workflow_id="plan", status="running")) == ["2", "1"]
        assert goals(store.runs(limit=2)) == ["4", "3"]
        assert len(store.runs(limit=None)) == 4

    def test_a_thread_without_runs_and_an_unknown_thread(self, store, thread):
        assert store.runs(thread_id=thread.id) == []
        with pytest.raises(NotFound, match="'nope'"):
            store.runs(thread_id="nope")

    @pytest.mark.parametrize("kwargs, match", [({"status": "done"}, "status must be one of"), ({"limit": 0}, "limit"), ({"workflow_id": ""}, "workflow_id")])
    def test_bad_filters(self, store, kwargs, match):
        with pytest.raises(InvalidInput, match=match):
            store.runs(**kwargs)

    def test_get_run_of_an_unknown_run(self, store):
        with pytest.raises(NotFound, match="run 'nope' does not exist"):
            store.get_run("nope")


class TestBranchRuns:
    def test_start_and_finish(self, store, fork3):
        started = store.start_branch(fork3["run"], fork3["a"])
        assert isinstance(started, BranchRun) and (started.entry_id, started.status) == (fork3["a"], "running")
        finished = store.finish_branch(fork3["run"], fork3["a"], "completed", result={"tokens": 12})
        assert (finished.status, finished.result, finished.started_at) == ("completed", {"tokens": 12}, started.started_at)
        assert finished.completed_at is not None
        store.start_branch(fork3["run"], fork3["b"])
        store.finish_branch(fork3["run"], fork3["b"], "failed", error="the tool broke")
        assert [(b.entry_id, b.status, b.error) for b in store.get_run(fork3["run"]).branches] == [
            (fork3["a"], "completed", None),
            (fork3["b"], "failed", "the tool broke"),
        ]

    def test_one_branch_run_an_entry(self, store, fork3):
        store.start_branch(fork3["run"], fork3["a"])
        with pytest.raises(Conflict, match=f"branch run at entry {fork3['a']} already"):
            store.start_branch(fork3["run"], fork3["a"])

    def test_an_entry_of_another_thread_and_an_unknown_entry(self, store, fork3, other_thread):
        foreign = store.append(other_thread.id, "user", "elsewhere")
        with pytest.raises(InvalidInput, match="belongs to thread 'other', not 't'"):
            store.start_branch(fork3["run"], foreign.id)
        with pytest.raises(NotFound, match="entry 999"):
            store.start_branch(fork3["run"], 999)

    def test_finishing_what_was_not_started_or_has_ended(self, store, fork3):
        with pytest.raises(NotFound, match=f"no branch run at entry {fork3['b']}"):
            store.finish_branch(fork3["run"], fork3["b"], "completed")
        store.start_branch(fork3["run"], fork3["b"])
        store.finish_branch(fork3["run"], fork3["b"], "cancelled")
        with pytest.raises(InvalidInput, match="cannot go from 'cancelled' to 'completed' \\('cancelled' is final\\)"):
            store.finish_branch(fork3["run"], fork3["b"], "completed")
        with pytest.raises(InvalidInput, match="status must be one of 'completed', 'failed', 'cancelled'"):
            store.finish_branch(fork3["run"], fork3["b"], "running")


class TestRecordsNeedAnOpenRun:
    @pytest.mark.parametrize(
        "call",
        [
            lambda s, ids: s.start_branch(ids["run"], ids["a"]),
            lambda s, ids: s.record_leaf_run(ids["run"], "task"),
            lambda s, ids: s.decide(ids["run"], ids["q"], judged(ids, "a"), select=ids["a"]),
        ],
        ids=["start_branch", "record_leaf_run", "decide"],
    )
    def test_a_finished_run_takes_no_records_until_it_runs_again(self, store, db_path, fork3, call):
        store.finish_run(fork3["run"], "failed")
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match="is failed: it takes no more records \\(update_run"):
            call(store, fork3)
        assert logical_dump(db_path) == before
        store.update_run(fork3["run"], status="running")
        call(store, fork3)

    def test_a_paused_run_takes_records(self, store, fork3):
        store.update_run(fork3["run"], status="paused")
        store.record_leaf_run(fork3["run"], "task")


class TestLeafRuns:
    def test_a_completed_leaf_run_is_replayed_for_the_same_task_and_input(self, store, fork3):
        run = fork3["run"]
        assert store.finished_leaf_run(run, "answer", "h1") is None
        recorded = store.record_leaf_run(
            run, "answer", input_hash="h1", entry_id=fork3["a"], output={"text": "Lisbon."}, artifacts=["a.md"]
        )
        assert isinstance(recorded, LeafRun)
        assert (recorded.leaf_id, recorded.input_hash, recorded.entry_id, recorded.status) == ("answer", "h1", fork3["a"], "completed")
        assert store.finished_leaf_run(run, "answer", "h1") == recorded
        assert store.finished_leaf_run(run, "answer", "h2") is None  # another input
        assert store.finished_leaf_run(run, "other", "h1") is None  # another task
        assert store.get_run(run).leaf_runs == (recorded,)

    def test_a_leaf_run_without_input_hash_is_keyed_by_none(self, store, fork3):
        recorded = store.record_leaf_run(fork3["run"], "setup", output=1)
        assert store.finished_leaf_run(fork3["run"], "setup") == recorded
        assert store.finished_leaf_run(fork3["run"], "setup", "h") is None

    def test_failed_leaf_runs_are_kept_but_never_replayed(self, store, fork3):
        run = fork3["run"]
        failed = store.record_leaf_run(run, "answer", input_hash="h", status="failed", error="rate limited")
        assert store.finished_leaf_run(run, "answer", "h") is None
        done = store.record_leaf_run(run, "answer", input_hash="h", output="ok")
        assert store.get_run(run).leaf_runs == (failed, done)
        assert store.finished_leaf_run(run, "answer", "h") == done

    def test_a_re_run_replays_what_the_failed_run_finished(self, store, fork3):
        run = fork3["run"]
        done = store.record_leaf_run(run, "search", input_hash="q", output=["a", "b"])
        store.finish_run(run, "failed", error="crash")
        store.update_run(run, status="running")
        assert store.finished_leaf_run(run, "search", "q") == done

    def test_recording_the_same_completed_leaf_run_again_is_a_retry(self, store, db_path, fork3):
        first = store.record_leaf_run(fork3["run"], "t", input_hash="h", entry_id=fork3["a"], output={"x": 1})
        before = logical_dump(db_path)
        assert store.record_leaf_run(fork3["run"], "t", input_hash="h", entry_id=fork3["a"], output={"x": 1}) == first
        assert logical_dump(db_path) == before
        with pytest.raises(Conflict, match="completed leaf run 't' for input 'h' already"):
            store.record_leaf_run(fork3["run"], "t", input_hash="h", entry_id=fork3["a"], output={"x": 2})
        assert logical_dump(db_path) == before

    @pytest.mark.parametrize(
        "kwargs, error, match",
        [
            ({"leaf_id": ""}, InvalidInput, "leaf_id must be a non-empty string"),
            ({"input_hash": 5}, InvalidInput, "input_hash must be a string"),
            ({"status": "running"}, InvalidInput, "status must be one of 'completed', 'failed'"),
            ({"error": "x"}, InvalidInput, "error is only for a failed leaf run"),
            ({"output": {1: 2}}, InvalidInput, "output cannot be stored"),
            ({"artifacts": (1, 2)}, InvalidInput, "artifacts.* cannot be stored exactly as JSON"),
            ({"entry_id": 999}, NotFound, "entry 999"),
            ({"entry_id": "1"}, InvalidInput, "entry_id must be an int"),
            ({"run_id": "nope"}, NotFound, "run 'nope' does not exist"),
        ],
    )
    def test_bad_leaf_runs_name_the_argument_and_write_nothing(self, store, db_path, fork3, kwargs, error, match):
        before = logical_dump(db_path)
        arguments = {"run_id": fork3["run"], "leaf_id": "task"} | kwargs
        with pytest.raises(error, match=match):
            store.record_leaf_run(arguments.pop("run_id"), arguments.pop("leaf_id"), **arguments)
        assert logical_dump(db_path) == before


class TestDecide:
    def test_the_winner_becomes_the_live_branch_at_its_newest_entry(self, store, thread, fork3):
        candidates = [
            {"entry_id": fork3["a"], "score": 0.9, "passed": True, "rationale": "More to see."},
            {"entry_id": fork3["b"], "score": 0.6, "passed": True},
            {"entry_id": fork3["c"], "score": 0.1, "passed": False, "rationale": "Too far south."},
        ]
        decision = store.decide(fork3["run"], fork3["q"], candidates, select=fork3["a"])
        assert isinstance(decision, Decision)
        assert (decision.entry_id, decision.thread_id, decision.run_id) == (fork3["q"], "t", fork3["run"])
        assert [(c.entry_id, c.score, c.passed, c.rationale, c.rank) for c in decision.candidates] == [
            (fork3["a"], 0.9, True, "More to see.", 0),
            (fork3["b"], 0.6, True, None, None),
            (fork3["c"], 0.1, False, "Too far south.", None),
        ]
        assert decision.winner.entry_id == fork3["a"] and decision.selected == (decision.winner,)
        # a's branch goes on below it: the leaf moves to its newest entry, not to a itself.
        assert store.get_thread(thread.id).current_leaf_id == fork3["a2"]
        move = store.leaf_history(thread.id, limit=1)[0]
        assert (move.reason, move.from_entry_id, move.to_entry_id) == ("decide", fork3["c"], fork3["a2"])
        assert store.get_run(fork3["run"]).decisions == (decision,)

    def test_several_selected_the_first_wins(self, store, thread, fork3):
        decision = store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b", "c"), select=[fork3["b"], fork3["a"]])
        assert [c.rank for c in decision.candidates] == [1, 0, None]
        assert [c.entry_id for c in decision.selected] == [fork3["b"], fork3["a"]]
        assert decision.winner.entry_id == fork3["b"] == store.get_thread(thread.id).current_leaf_id

    def test_selecting_none_records_the_judgement_and_leaves_the_leaf(self, store, thread, fork3):
        decision = store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b"), select=[], expected_leaf_id=fork3["c"])
        assert decision.winner is None and decision.selected == ()
        assert store.get_thread(thread.id).current_leaf_id == fork3["c"]
        assert store.leaf_history(thread.id, limit=1)[0].reason == "fork"

    def test_a_winner_already_live_moves_nothing(self, store, thread, fork3):
        store.decide(fork3["run"], fork3["q"], judged(fork3, "b", "c"), select=fork3["c"], expected_leaf_id=fork3["c"])
        assert store.leaf_history(thread.id, limit=1)[0].reason == "fork"

    def test_a_stale_expectation_is_a_conflict_and_nothing_is_written(self, store, db_path, thread, fork3):
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match=f"is at entry {fork3['c']}, not at expected_leaf_id {fork3['b']}"):
            store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b"), select=fork3["a"], expected_leaf_id=fork3["b"])
        with pytest.raises(Conflict, match="not at expected_leaf_id"):
            store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b"), select=[], expected_leaf_id=fork3["b"])
        assert logical_dump(db_path) == before

    def test_selecting_twice_with_a_stale_expectation(self, store, db_path, thread, fork3):
        """Two judges read the leaf at c and both decide: the second loses, writing nothing."""
        seen = store.get_thread(thread.id).current_leaf_id
        store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b"), select=fork3["a"], expected_leaf_id=seen)
        other = store.start_run(thread.id, "best-of-3", "a second judge")
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match=f"is at entry {fork3['a2']}, not at expected_leaf_id {seen}"):
            store.decide(other.run_id, fork3["q"], judged(fork3, "b", "c"), select=fork3["b"], expected_leaf_id=seen)
        assert logical_dump(db_path) == before

    def test_a_run_decides_once_at_an_entry(self, store, db_path, fork3):
        store.decide(fork3["run"], fork3["q"], judged(fork3, "a"), select=fork3["a"])
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match=f"decided at entry {fork3['q']} already"):
            store.decide(fork3["run"], fork3["q"], judged(fork3, "b"), select=fork3["b"])
        assert logical_dump(db_path) == before

    def test_decisions_nest_down_a_tree_search(self, store, thread, fork3):
        """A decision below a winner: each is recorded, the leaf follows the last."""
        deeper = store.fork(fork3["a2"], "assistant", "Because of the trams.")
        other = store.fork(fork3["a2"], "assistant", "Because of the light.")
        store.decide(fork3["run"], fork3["q"], judged(fork3, "a", "b", "c"), select=fork3["a"])
        store.decide(fork3["run"], fork3["a2"], [{"entry_id": deeper.id, "score": 2}, {"entry_id": other.id, "score": 1}], select=deeper.id)
        assert store.get_thread(thread.id).current_leaf_id == deeper.id
        assert [d.entry_id for d in store.get_run(fork3["run"]).decisions] == [fork3["q"], fork3["a2"]]


def _decide(store, ids, **override):
    arguments = {"run_id": ids["run"], "entry_id": ids["q"], "candidates": judged(ids, "a", "b"), "select": ids["a"]}
    arguments |= {k: v(ids) if callable(v) else v for k, v in override.items()}
    return store.decide(arguments.pop("run_id"), arguments.pop("entry_id"), arguments.pop("candidates"), **arguments)


BAD_DECISIONS = [
    pytest.param({"run_id": "nope"}, NotFound, "run 'nope' does not exist", id="unknown-run"),
    pytest.param({"entry_id": 999}, NotFound, "entry 999", id="unknown-decision-point"),
    pytest.param({"entry_id": lambda ids: ids["a"]}, InvalidInput, "is not a child of entry", id="candidate-not-a-child"),
    pytest.param({"candidates": lambda ids: judged(ids, "a", "a2")}, InvalidInput, "candidates\\[1\\].entry_id .* is not a child of entry", id="grandchild"),
    pytest.param({"candidates": lambda ids: judged(ids, "a") + [{"entry_id": 999, "score": 1}]}, NotFound, "entry 999 \\(candidates\\[1\\].entry_id\\)", id="unknown-candidate"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": math.nan}]}, InvalidInput, "candidates\\[0\\].score must be a finite number, not nan", id="nan-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": math.inf}]}, InvalidInput, "candidates\\[0\\].score must be a finite number", id="inf-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": 10**400}]}, InvalidInput, "candidates\\[0\\].score must be a finite number", id="huge-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": "0.9"}]}, InvalidInput, "candidates\\[0\\].score must be a number, not str", id="text-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": True}]}, InvalidInput, "candidates\\[0\\].score must be a number, not bool", id="bool-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"]}]}, InvalidInput, "candidates\\[0\\] has no 'score'", id="no-score"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": 1, "passed": "yes"}]}, InvalidInput, "candidates\\[0\\].passed must be True or False", id="passed-not-bool"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": 1, "rationale": "\ud800"}]}, InvalidInput, "candidates\\[0\\].rationale is not valid Unicode", id="lone-surrogate"),
    pytest.param({"candidates": lambda ids: [{"entry_id": ids["a"], "score": 1, "why": "x"}]}, InvalidInput, "candidates\\[0\\] has unknown keys \\['why'\\]", id="unknown-key"),
    pytest.param({"candidates": lambda ids: judged(ids, "a", "a")}, InvalidInput, "candidates\\[1\\].entry_id .* is also the entry of candidates\\[0\\]", id="duplicate"),
    pytest.param({"candidates": []}, InvalidInput, "at least one candidate", id="no-candidates"),
    pytest.param({"candidates": {"entry_id": 1, "score": 1}}, InvalidInput, "candidates must be a list of dicts", id="candidates-a-dict"),
    pytest.param({"select": lambda ids: ids["c"]}, InvalidInput, "select\\[0\\] is entry .*, which is not one of the candidates", id="select-not-a-candidate"),
    pytest.param({"select": lambda ids: [ids["a"], ids["a"]]}, InvalidInput, "select\\[1\\] is entry .* again", id="select-twice"),
    pytest.param({"select": "a"}, InvalidInput, "select must be an entry id or a list", id="select-text"),
    pytest.param({"expected_leaf_id": "x"}, InvalidInput, "expected_leaf_id must be an int", id="expected-not-an-id"),
]


@pytest.mark.parametrize("override, error, match", BAD_DECISIONS)
def test_a_bad_decision_is_a_clear_error_and_writes_nothing(store, db_path, fork3, override, error, match):
    before = logical_dump(db_path)
    with pytest.raises(error, match=match):
        _decide(store, fork3, **override)
    assert logical_dump(db_path) == before


def test_a_candidate_of_another_thread_is_not_a_child(store, db_path, fork3, other_thread):
    foreign = store.append(other_thread.id, "user", "elsewhere")
    before = logical_dump(db_path)
    with pytest.raises(InvalidInput, match=f"candidates\\[1\\].entry_id {foreign.id} is not a child of entry {fork3['q']}"):
        _decide(store, fork3, candidates=judged(fork3, "a") + [{"entry_id": foreign.id, "score": 1}])
    with pytest.raises(InvalidInput, match="entry_id .* belongs to thread 'other', not 't'"):
        _decide(store, fork3, entry_id=foreign.id)
    assert logical_dump(db_path) == before


def test_a_decision_fails_whole_when_its_last_step_fails(store, db_path, fork3, monkeypatch):
    """The leaf moves before the decision is written: a failure writing the decision takes
    the move back with it; a retry then succeeds."""
    from threadtree._db import runs as store_runs

    before = logical_dump(db_path)
    real = store_runs.insert_decision

    def broken(tx, decision):
        real(tx, decision)
        raise OSError("disk gone")

    monkeypatch.setattr(store_runs, "insert_decision", broken)
    with pytest.raises(OSError):
        _decide(store, fork3)
    assert logical_dump(db_path) == before
    monkeypatch.undo()
    assert _decide(store, fork3).winner.entry_id == fork3["a"]


def test_the_whole_picture(store, thread, fork3):
    run = fork3["run"]
    branches = [store.start_branch(run, fork3[n]) for n in "abc"]
    leaf_runs = [store.record_leaf_run(run, "answer", input_hash=n, entry_id=fork3[n], output=n) for n in "abc"]
    decision = _decide(store, fork3)
    finished = store.finish_run(run, "completed", result={"winner": fork3["a"]})
    assert store.get_run(run) == RunTrace(finished, tuple(branches), tuple(leaf_runs), (decision,))
    assert store.get_run(run).decisions[0].winner.rationale is None
    assert threadtree.RUN_STATUSES == ("running", "paused", "completed", "failed", "cancelled")
