"""`threadtree events` and `threadtree checkpoints`: text, JSON, options, errors, read-only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import threadtree
from threadtree.cli import main

from .helpers import build, fingerprint, logical_dump


@pytest.fixture
def db(db_path, monkeypatch):
    """Thread 't': a - b (live) and c forked from a, then rewound to b; 5 events; checkpoints
    'start' (unpinned), 'at-c' (pinned off the live path, newest), 'at-b' (on it)."""
    with threadtree.open(db_path) as store:
        store.create_thread("Test thread", thread_id="t")
        store.create_thread("Empty", thread_id="empty")
        ids = build(store, "t", [("a", "^"), ("b", "^"), ("c", "a")])
        store.rewind("t", ids["b"])
        for k in range(5):
            store.append_event("t", f"step.{k}", {"k": k, "text": "é" * k} if k else None)
        store.save_checkpoint("t", "start", {"step": 0})
        store.save_checkpoint("t", "at-b", {"step": 2}, entry_id=ids["b"], parent_checkpoint_id="start")
        store.save_checkpoint("t", "at-c", {"step": 3}, entry_id=ids["c"], parent_checkpoint_id="start")
    monkeypatch.setenv("THREADTREE_DB", str(db_path))
    monkeypatch.setenv("NO_COLOR", "1")
    return db_path


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class TestEvents:
    def test_text_is_a_table_oldest_first(self, capsys, db):
        code, out, err = run(capsys, "events", "t")
        lines = out.splitlines()
        assert (code, err) == (0, "")
        assert lines[0].split() == ["SEQ", "TIME", "TYPE", "DATA"]
        assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3", "4", "5"]
        assert lines[1].split()[3:] == ["step.0"]  # no data: an empty cell
        assert lines[3].rstrip().endswith('step.2  {"k":2,"text":"éé"}')
        # Columns line up: every TYPE starts where the header's does.
        column = lines[0].index("TYPE")
        assert all(line[column:].startswith("step.") for line in lines[1:])

    def test_json_is_one_document_of_every_field(self, capsys, db):
        code, out, _ = run(capsys, "events", "t", "--json")
        events = json.loads(out)
        assert code == 0 and [e["seq"] for e in events] == [1, 2, 3, 4, 5]
        assert events[0] | {"created_at": 0} == {"thread_id": "t", "seq": 1, "type": "step.0", "data": None, "created_at": 0}
        assert events[4]["data"] == {"k": 4, "text": "éééé"}

    def test_after_and_limit(self, capsys, db):
        _, out, _ = run(capsys, "events", "t", "--after", "2", "--limit", "2", "--json")
        assert [e["seq"] for e in json.loads(out)] == [3, 4]
        _, out, _ = run(capsys, "events", "t", "--after", "-1", "--json")
        assert len(json.loads(out)) == 5

    def test_an_empty_log_prints_nothing_or_an_empty_array(self, capsys, db):
        assert run(capsys, "events", "empty") == (0, "", "")
        assert run(capsys, "events", "empty", "--json") == (0, "[]\n", "")

    def test_an_unknown_thread_is_one_line_and_exit_one(self, capsys, db):
        assert run(capsys, "events", "nope") == (1, "", "threadtree: error: thread 'nope' does not exist\n")

    @pytest.mark.parametrize("argv", [["--after", "x"], ["--limit", "0"], ["--after"], []])
    def test_usage_errors_exit_two(self, capsys, db, argv):
        code, out, err = run(capsys, "events", *(["t"] if argv else []), *argv)
        assert code == 2 and out == "" and "usage:" in err


class TestCheckpoints:
    def test_text_is_a_table_newest_first_with_the_resume_point_marked(self, capsys, db):
        code, out, err = run(capsys, "checkpoints", "t")
        lines = out.splitlines()
        assert (code, err) == (0, "")
        assert lines[0].split() == ["CHECKPOINT", "ENTRY", "PARENT", "SAVED", "STATE"]
        assert [line.split()[0] for line in lines[1:]] == ["at-c", "*", "start"]
        assert lines[2].split()[1] == "at-b"  # load_checkpoint resumes from it: on the live path
        assert lines[2].split()[3] == "start"
        assert lines[3].rstrip().endswith('{"step":0}')

    def test_json_marks_the_resume_point(self, capsys, db):
        code, out, _ = run(capsys, "checkpoints", "t", "--json")
        listed = json.loads(out)
        assert code == 0
        assert [(c["checkpoint_id"], c["resume"]) for c in listed] == [("at-c", False), ("at-b", True), ("start", False)]
        assert set(listed[0]) == {"thread_id", "checkpoint_id", "entry_id", "parent_checkpoint_id", "state",
                                  "created_at", "resume"}
        assert listed[1]["state"] == {"step": 2}

    def test_limit(self, capsys, db):
        _, out, _ = run(capsys, "checkpoints", "t", "--limit", "1", "--json")
        assert [c["checkpoint_id"] for c in json.loads(out)] == ["at-c"]

    def test_no_resume_point_marks_none(self, capsys, db):
        with threadtree.open(db) as store:
            store.delete_checkpoint("t", "at-b")
            store.delete_checkpoint("t", "start")
        _, out, _ = run(capsys, "checkpoints", "t", "--json")
        assert [(c["checkpoint_id"], c["resume"]) for c in json.loads(out)] == [("at-c", False)]
        _, out, _ = run(capsys, "checkpoints", "t")
        assert "*" not in out and "at-c" in out

    def test_none_and_unknown(self, capsys, db):
        assert run(capsys, "checkpoints", "empty") == (0, "", "")
        assert run(capsys, "checkpoints", "empty", "--json") == (0, "[]\n", "")
        assert run(capsys, "checkpoints", "nope")[0] == 1


def test_reading_never_changes_the_file(capsys, db):
    before = fingerprint(db)
    dump = logical_dump(db)
    for argv in (["events", "t"], ["events", "t", "--json"], ["checkpoints", "t"], ["checkpoints", "t", "--json"]):
        assert run(capsys, *argv)[0] == 0
    assert fingerprint(db) == before and logical_dump(db) == dump


def test_they_open_the_file_read_only(capsys, db, monkeypatch):
    opened = []
    real = threadtree.open

    def recording_open(*args, **kwargs):
        opened.append(kwargs.get("readonly"))
        return real(*args, **kwargs)

    monkeypatch.setattr(threadtree, "open", recording_open)
    assert run(capsys, "events", "t")[0] == 0
    assert run(capsys, "checkpoints", "t")[0] == 0
    assert opened == [True, True]


def test_through_a_real_process(db):
    done = subprocess.run(
        [sys.executable, "-m", "threadtree", "events", "t", "--json"],
        capture_output=True, text=True, env={**os.environ, "THREADTREE_DB": str(db)}, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 5
