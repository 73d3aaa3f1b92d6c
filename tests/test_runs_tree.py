"""Workflow runs and the rest of threadtree (issue 21): deleting branches and threads, the rules
the schema holds for every connection, the marks of ``tree``, the jsonl dump and restore, and
``threadtree runs`` (real processes where the command line matters)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import attrs
import orjson
import pytest

import threadtree
from threadtree.formats import export_thread, import_file

from .helpers import connect, constraint_error, fingerprint, logical_dump

RUN_TABLES = ("workflow_runs", "branch_runs", "leaf_runs", "run_decisions", "run_candidates")


@pytest.fixture
def explored(store, thread):
    """A best-of-3 on thread 't', decided (b won), with branch runs and leaf runs on each
    candidate: names -> ids, plus "run"."""
    q = store.append(thread.id, "user", "Lisbon, Porto or Faro?")
    ids = {"q": q.id}
    for name, text in (("a", "Lisbon."), ("b", "Porto."), ("c", "Faro.")):
        ids[name] = store.fork(q.id, "assistant", text).id
    ids["b2"] = store.append(thread.id, "user", "And in winter?", parent_id=ids["b"]).id
    run = store.start_run(thread.id, "best-of-3", "answer", input_hash="sha256:0", metadata={"n": 3})
    ids["run"] = run.run_id
    for name in "abc":
        store.start_branch(run.run_id, ids[name])
        store.record_leaf_run(run.run_id, "answer", input_hash=name, entry_id=ids[name], output={"text": name})
        store.finish_branch(run.run_id, ids[name], "completed", result=len(name))
    store.record_leaf_run(run.run_id, "answer", input_hash="x", status="failed", error="timeout")
    candidates = [
        {"entry_id": ids["a"], "score": 0.5, "passed": True, "rationale": "Fine."},
        {"entry_id": ids["b"], "score": 0.92, "passed": True, "rationale": "Best."},
        {"entry_id": ids["c"], "score": 0.1, "passed": False},
    ]
    store.decide(run.run_id, q.id, candidates, select=[ids["b"], ids["a"]])
    return ids


def rows(db_path, table):
    return logical_dump(db_path)[table]


class TestDeletingBranches:
    def test_the_records_of_a_deleted_candidate_stay_marked(self, store, explored):
        before = store.get_run(explored["run"])
        store.delete_branch(explored["c"])
        after = store.get_run(explored["run"])
        assert after.run == before.run
        deleted = after.branches[2]
        assert deleted.entry_id is None and deleted.branch_deleted_at is not None
        assert deleted == attrs.evolve(before.branches[2], entry_id=None, branch_deleted_at=deleted.branch_deleted_at)
        assert after.branches[:2] == before.branches[:2]
        assert [r.entry_id for r in after.leaf_runs] == [explored["a"], explored["b"], None, None]
        assert [r.branch_deleted_at is not None for r in after.leaf_runs] == [False, False, True, False]
        (decision,) = after.decisions
        assert decision.entry_id == explored["q"] and decision.branch_deleted_at is None
        assert [c.entry_id for c in decision.candidates] == [explored["a"], explored["b"], None]
        assert decision.candidates[2].score == 0.1 and decision.candidates[2].branch_deleted_at == deleted.branch_deleted_at
        assert decision.winner.entry_id == explored["b"]
        assert store.check() == []

    def test_deleting_the_decision_point_marks_the_decision_and_every_candidate(self, store, db_path, explored):
        store.delete_branch(explored["q"])
        trace = store.get_run(explored["run"])
        (decision,) = trace.decisions
        assert decision.entry_id is None and decision.branch_deleted_at is not None
        assert {c.entry_id for c in decision.candidates} == {None}
        assert {b.entry_id for b in trace.branches} == {None}
        assert [c.rank for c in decision.candidates] == [1, 0, None]  # what was chosen stays
        # Nothing dangles: every entry a run record names exists.
        entries = {row[0] for row in rows(db_path, "entries")}
        for table in ("branch_runs", "leaf_runs", "run_decisions"):
            conn = connect(db_path)
            named = [e for (e,) in conn.execute(f"select entry_id from {table} where entry_id is not null")]
            conn.close()
            assert set(named) <= entries, table
        assert store.check() == []

    def test_a_deleted_branch_is_marked_for_connections_without_foreign_keys(self, store, db_path, explored):
        """The mark is a trigger: the sqlite3 shell, foreign keys off, marks the records too."""
        conn = connect(db_path)
        conn.pragma("foreign_keys", False)
        conn.execute("delete from entries where id = ?", (explored["c"],))
        conn.close()
        trace = store.get_run(explored["run"])
        assert trace.branches[2].entry_id is None and trace.branches[2].branch_deleted_at is not None

    def test_deleting_the_thread_deletes_its_runs(self, store, db_path, thread, other_thread, explored):
        kept = store.start_run(other_thread.id, "w", "elsewhere")
        store.delete_thread(thread.id)
        dump = logical_dump(db_path)
        assert [r[0] for r in dump["workflow_runs"]] == [kept.run_id]
        assert all(dump[table] == [] for table in RUN_TABLES[1:])
        with pytest.raises(threadtree.NotFound):
            store.get_run(explored["run"])


class TestSchemaRules:
    """Rules the database holds itself, shown with raw SQL that bypasses the store."""

    def test_a_record_cannot_name_an_entry_of_another_thread(self, store, db_path, explored, other_thread):
        foreign = store.append(other_thread.id, "user", "x").id
        conn = connect(db_path)
        now = 1.0
        for sql, args in [
            ("insert into branch_runs (thread_id, run_id, entry_id, status, started_at, updated_at) values ('t', ?, ?, 'running', 1, 1)", (explored["run"], foreign)),
            ("insert into leaf_runs (thread_id, run_id, leaf_id, entry_id, status, created_at) values ('t', ?, 'x', ?, 'completed', 1)", (explored["run"], foreign)),
            ("insert into run_decisions (thread_id, run_id, entry_id, decided_at) values ('t', ?, ?, 1)", (explored["run"], foreign)),
        ]:
            with pytest.raises(constraint_error(db_path), match="an entry of its thread"):
                conn.execute(sql, args)
        with pytest.raises(constraint_error(db_path), match="an entry of its thread"):
            conn.execute(
                "insert into run_candidates (decision_id, position, thread_id, entry_id, score) "
                "select id, 9, 't', ?, ? from run_decisions limit 1",
                (foreign, now),
            )
        conn.close()

    def test_records_do_not_move(self, store, db_path, explored):
        conn = connect(db_path)
        for sql in [
            "update branch_runs set entry_id = {a} where entry_id = {b}",
            "update leaf_runs set entry_id = {a} where entry_id = {b}",
            "update run_decisions set entry_id = {a}",
            "update run_candidates set entry_id = {a} where entry_id = {b}",
            "update branch_runs set entry_id = null where entry_id = {b}",  # unmarked: not a deleted branch
        ]:
            with pytest.raises(constraint_error(db_path)):
                conn.execute(sql.format(a=explored["a"], b=explored["b"]))
        with pytest.raises(constraint_error(db_path), match="a branch run moves"):
            conn.execute("update branch_runs set status = 'running', completed_at = null")
        with pytest.raises(constraint_error(db_path)):  # a run's record cannot sit in another thread
            conn.execute("insert into branch_runs (thread_id, run_id, entry_id, status, started_at, updated_at) values ('other', ?, null, 'running', 1, 1)", (explored["run"],))
        conn.close()

    def test_one_completed_leaf_run_a_key(self, store, db_path, explored):
        conn = connect(db_path)
        with pytest.raises(constraint_error(db_path), match="(?i)unique"):
            conn.execute("insert into leaf_runs (thread_id, run_id, leaf_id, input_hash, status, created_at) values ('t', ?, 'answer', 'a', 'completed', 1)", (explored["run"],))
        conn.close()


class TestTree:
    def test_the_winner_and_the_scores_are_marked(self, store, explored):
        text = store.render_tree("t")
        assert f"{explored['b']} assistant [won 0.92]: Porto." in text
        assert f"{explored['a']} assistant [chosen #2 0.5]: Lisbon." in text
        assert f"{explored['c']} assistant [lost 0.1, failed]: Faro." in text
        assert f"{explored['q']} user: Lisbon" in text
        graph = store.graph("t")
        assert graph.nodes[explored["b"]]["judged"] == {"score": 0.92, "passed": True, "rank": 0}
        assert "judged" not in graph.nodes[explored["q"]]
        assert "[won 0.92]" in store.to_dot("t") and "[won 0.92]" in store.to_mermaid("t")

    def test_a_thread_without_runs_draws_as_before(self, store, thread):
        store.append(thread.id, "user", "hi")
        assert store.render_tree(thread.id) == "╙── ● 1 user: hi\n"


def _dump(store, tid):
    return [orjson.loads(orjson.dumps(line)) for line in export_thread(store, tid, "jsonl")]


def _write(path, lines):
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


class TestJsonl:
    def test_a_dump_restores_every_run_exactly(self, store, tmp_path, explored):
        store.delete_branch(explored["c"])  # marks travel too
        store.finish_run(explored["run"], "completed", result={"winner": explored["b"]})
        other = store.start_run("t", "planner", "later", metadata={"k": [1, 2]})
        dump = _write(tmp_path / "dump.jsonl", _dump(store, "t"))
        assert [json.loads(line)["type"] for line in dump.read_text().splitlines()][-2:] == ["run", "run"]
        with threadtree.open(tmp_path / "b.db") as copy:
            assert [o.status for o in import_file(copy, dump).outcomes] == ["imported"]
            assert [copy.get_run(r.run_id) for r in copy.runs()] == [store.get_run(r.run_id) for r in store.runs()]
            assert [r.run_id for r in copy.runs()] == [other.run_id, explored["run"]]
            assert copy.render_tree("t") == store.render_tree("t")
            assert copy.check() == []
            before = logical_dump(tmp_path / "b.db")
            assert [o.status for o in import_file(copy, dump).outcomes] == ["unchanged"]
            assert logical_dump(tmp_path / "b.db") == before

    def test_a_newer_dump_replaces_a_run_and_keeps_the_others(self, store, tmp_path, explored):
        old = _write(tmp_path / "old.jsonl", _dump(store, "t"))
        done = store.finish_run(explored["run"], "completed")
        new = _write(tmp_path / "new.jsonl", _dump(store, "t"))
        with threadtree.open(tmp_path / "b.db") as copy:
            import_file(copy, old)
            mine = copy.start_run("t", "local", "made here")
            assert [o.status for o in import_file(copy, new).outcomes] == ["updated"]
            assert copy.get_run(explored["run"]).run == done
            assert copy.get_run(mine.run_id).run == mine

    def test_entries_numbered_anew_take_their_run_records_with_them(self, store, tmp_path, explored):
        dump = _write(tmp_path / "dump.jsonl", _dump(store, "t"))
        with threadtree.open(tmp_path / "b.db") as copy:
            taken = copy.create_thread(thread_id="first")
            copy.extend(taken.id, [{"role": "user", "content": str(k)} for k in range(10)])  # takes ids 1-10
            outcome = import_file(copy, dump).outcomes[0]
            assert "numbered them anew" in " ".join(outcome.notes)
            trace = copy.get_run(explored["run"])
            winner = copy.get_entry(trace.decisions[0].winner.entry_id)
            assert (winner.content, winner.parent_id) == ("Porto.", trace.decisions[0].entry_id)
            assert [copy.get_entry(b.entry_id).content for b in trace.branches] == ["Lisbon.", "Porto.", "Faro."]
            assert "[won 0.92]" in copy.render_tree("t")

    def test_a_run_id_taken_by_another_thread_gets_a_new_id(self, store, tmp_path, explored):
        lines = _dump(store, "t")
        for line in lines:
            if line["type"] == "thread":
                line["id"] = "copy"
            else:
                line["thread_id"] = "copy"
        outcome = import_file(store, _write(tmp_path / "copy.jsonl", lines)).outcomes[0]
        assert outcome.status == "imported", outcome
        assert any(f"run {explored['run']!r} is a run of thread 't'" in note for note in outcome.notes)
        (copied,) = store.runs(thread_id="copy")
        assert copied.run_id != explored["run"] and copied.goal == "answer"
        assert store.get_run(explored["run"]).run.thread_id == "t"

    def test_writing_one_block_twice_reads_its_lines_as_they_were(self, store, explored):
        """A restore checks the block's lines without rewriting them (it used to replace each
        entry's usage with its checked form, so a second write of the block failed)."""
        from threadtree.formats import jsonl

        store.append("t", "assistant", "priced", usage={"output_tokens": 3})
        lines = export_thread(store, "t", "jsonl")
        start = next(i for i, line in enumerate(lines) if line["type"] == "run")
        block = jsonl.Block("dump", lines[0], lines[1:start], lines[start:])
        assert jsonl.write(store, block).status == "unchanged"
        assert jsonl.write(store, block).status == "unchanged"

    def test_a_reader_meets_a_line_type_it_does_not_know_and_refuses_the_thread(self, store, tmp_path, explored):
        """How a reader from before runs treats a run line, and how this one treats what comes
        after runs: the thread is skipped, the line named, nothing written."""
        lines = _dump(store, "t") + [{"type": "future", "thread_id": "t"}]
        with threadtree.open(tmp_path / "b.db") as copy:
            (outcome,) = import_file(copy, _write(tmp_path / "d.jsonl", lines)).outcomes
            assert outcome.status == "skipped"
            assert f"line {len(lines)}: type must be 'thread', 'entry' or 'run', not 'future'" in outcome.reason
            assert copy.list_threads() == []

    @pytest.mark.parametrize(
        "change, reason",
        [
            (lambda run, ids: run["decisions"][0]["candidates"][0].update(score="high"), "decisions\\[0\\].candidates\\[0\\].score must be a number"),
            (lambda run, ids: run["decisions"][0]["candidates"][0].update(entry_id=ids["b2"]), "is not a child of entry"),
            (lambda run, ids: run["branches"][0].update(entry_id=999), "branches\\[0\\].entry_id 999 is not an entry of the thread"),
            (lambda run, ids: run["branches"][0].update(branch_deleted_at=5.0), "has an entry_id and a branch_deleted_at"),
            (lambda run, ids: run["leaf_runs"][0].update(status="running"), "leaf_runs\\[0\\].status must be one of"),
            (lambda run, ids: run.update(status="completed"), "completed_at must be set when completed"),
            (lambda run, ids: run.update(result=1), "result is only for a completed record"),
            (lambda run, ids: run.update(extra=1), "a run line needs \\[\\] and has unknown \\['extra'\\]"),
            (lambda run, ids: run.pop("goal"), "a run line needs \\['goal'\\]"),
            (lambda run, ids: run["decisions"][0]["candidates"][2].update(rank=0), "ranks of the selected candidates"),
            (lambda run, ids: run["leaf_runs"].append(dict(run["leaf_runs"][0])), "two completed leaf runs of one task and input"),
        ],
    )
    def test_a_bad_run_line_skips_its_thread_naming_the_field(self, store, tmp_path, explored, change, reason):
        lines = _dump(store, "t")
        change(lines[-1], explored)
        with threadtree.open(tmp_path / "b.db") as copy:
            before = logical_dump(tmp_path / "b.db")
            (outcome,) = import_file(copy, _write(tmp_path / "d.jsonl", lines)).outcomes
            assert outcome.status == "skipped"
            assert outcome.reason.startswith(f"run 1 ({explored['run']!r}): "), outcome.reason
            assert __import__("re").search(reason, outcome.reason), outcome.reason
            assert logical_dump(tmp_path / "b.db") == before


def tt(db, *args):
    """``threadtree --db DB ARGS`` as a real process: (exit code, stdout, stderr)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "threadtree", "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow
class TestCommandLine:
    def test_runs_shows_the_whole_picture_and_changes_nothing(self, store, db_path, explored):
        store.delete_branch(explored["c"])
        store.close()
        before = logical_dump(db_path)
        stamp = fingerprint(db_path) if isinstance(db_path, str) else os.stat(db_path).st_mtime_ns  # a URL: its rows
        code, out, err = tt(db_path, "runs", "test thread")
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[0].startswith(f"run {explored['run']}  best-of-3  running  started ")
        assert "  goal: answer" in lines and "  input: sha256:0" in lines
        assert any(line.split() == [str(explored["a"]), "completed", "1"] for line in lines)
        assert any(line.split() == ["deleted", "completed", "1"] for line in lines)
        assert any(line.split() == ["answer", "failed", "-", "timeout"] for line in lines)
        winner = next(line for line in lines if line.startswith("  * "))
        assert winner.split() == ["*", str(explored["b"]), "0.92", "passed", "Best."]
        assert any(line.split() == ["+", str(explored["a"]), "0.5", "passed", "Fine."] for line in lines)
        assert any(line.split() == ["deleted", "0.1", "failed"] for line in lines)
        assert logical_dump(db_path) == before
        assert stamp == (fingerprint(db_path) if isinstance(db_path, str) else os.stat(db_path).st_mtime_ns)

    def test_runs_json_is_every_record(self, store, db_path, explored):
        trace = store.get_run(explored["run"])
        store.close()
        code, out, _ = tt(db_path, "runs", "t", "--json")
        assert code == 0
        (found,) = json.loads(out)
        assert found["run"]["run_id"] == explored["run"] and found["run"]["metadata"] == {"n": 3}
        assert [c["rank"] for c in found["decisions"][0]["candidates"]] == [1, 0, None]
        assert len(found["branches"]) == 3 and len(found["leaf_runs"]) == len(trace.leaf_runs) == 4

    def test_runs_filters_and_lists_every_thread(self, store, db_path, explored, other_thread):
        store.start_run(other_thread.id, "planner", "elsewhere")
        store.close()
        _, out, _ = tt(db_path, "runs", "--json")
        assert [r["run"]["goal"] for r in json.loads(out)] == ["elsewhere", "answer"]
        _, out, _ = tt(db_path, "runs", "--workflow", "planner")
        assert out.splitlines()[1] == "  thread: other"
        _, out, _ = tt(db_path, "runs", "--status", "completed", "--json")
        assert json.loads(out) == []
        assert tt(db_path, "runs", "nope")[0] == 1
        code, _, err = tt(db_path, "runs", "--status", "done")
        assert code == 2 and "invalid choice" in err

    def test_tree_marks_the_winner_and_the_scores(self, store, db_path, explored):
        store.close()
        code, out, _ = tt(db_path, "tree", "t")
        assert code == 0 and f"{explored['b']} assistant [won 0.92]: Porto." in out
        assert f"{explored['c']} assistant [lost 0.1, failed]: Faro." in out
        _, out, _ = tt(db_path, "tree", "t", "--json")
        judged = {e["id"]: e["judged"] for e in json.loads(out)["entries"]}
        assert judged[explored["b"]] == {"score": 0.92, "passed": True, "rank": 0} and judged[explored["q"]] is None


@pytest.mark.slow
def test_the_best_of_three_example_does_what_it_says(tmp_path):
    """examples/best_of_three.py as a user runs it: three candidates forked from the question,
    replayed (not asked again) the second time, the best passing one picked by decide, and
    the conversation going on from the winner."""
    from .test_examples import ROOT, _run_example

    done, db = _run_example(ROOT / "examples" / "best_of_three.py", tmp_path)
    assert done.stdout.count("the model was not asked") == 3, done.stdout
    with threadtree.open(db) as store:
        (run,) = store.runs()
        trace = store.get_run(run.run_id)
        assert (run.workflow_id, run.status) == ("best-of-3", "completed")
        (decision,) = trace.decisions
        question = store.get_entry(decision.entry_id)
        assert (question.role, question.parent_id) == ("user", None)
        tries = sorted(c.entry_id for c in decision.candidates)
        assert tries == sorted(b.entry_id for b in trace.branches) == sorted(r.entry_id for r in trace.leaf_runs)
        assert [e.parent_id for e in map(store.get_entry, tries)] == [question.id] * 3
        assert {b.status for b in trace.branches} == {"completed"}
        best = max((c for c in decision.candidates if c.passed), key=lambda c: c.score)
        assert decision.winner == best and run.result == {"winner": best.entry_id}
        path = store.path(run.thread_id)
        assert [e.id for e in path[:2]] == [question.id, best.entry_id]
        assert [e.content for e in path[2:]][0] == "Why there?" and len(path) == 4
        assert "decide" in [m.reason for m in store.leaf_history(run.thread_id, limit=None)]
