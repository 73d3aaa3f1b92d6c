"""The command line of issue 18: search, label, labels, unlabel, switch, copy, forks, merge,
diff on compare, and show's "< 2/3 >" branch marks. Most through main(); the commands people
pipe and script run as real processes too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import threadtree

from .helpers import logical_dump
from .test_cli import run  # main() in process: (exit code, stdout, stderr)


@pytest.fixture
def db(db_path, monkeypatch):
    """Thread 'trip' ("Trip planning"): q - lisbon - food, and q - kyoto - crowds (live)."""
    with threadtree.open(db_path) as store:
        store.create_thread("Trip planning", thread_id="trip")
        q = store.append("trip", "user", "Where should I go in May?")
        store.append("trip", "assistant", "Lisbon: grilled sardines.")
        store.append("trip", "user", "Sardines again?")
        store.fork(q.id, "assistant", "Kyoto: gardens.")
        store.append("trip", "user", "Crowded in May?")
    monkeypatch.setenv("THREADTREE_DB", str(db_path))
    monkeypatch.setenv("NO_COLOR", "1")
    return db_path


def tt(db_path, *argv, stdin=None, code=0):
    """A real `python -m threadtree` process."""
    env = {**os.environ, "THREADTREE_DB": str(db_path), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "threadtree", *argv], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == code, (argv, done.stdout, done.stderr)
    return done.stdout, done.stderr


class TestSearch:
    def test_one_line_a_hit_the_live_ones_starred(self, capsys, db):
        code, out, _ = run(capsys, "search", "sardines")
        assert code == 0
        assert out.splitlines() == [
            "  3  Trip planning  user: «Sardines» again?",
            "  2  Trip planning  assistant: Lisbon: grilled «sardines».",
        ]
        _, out, _ = run(capsys, "search", "crowded", "--thread", "Trip planning")
        assert out == "* 5  Trip planning  user: «Crowded» in May?\n"

    def test_json(self, capsys, db):
        _, out, _ = run(capsys, "search", '"grilled sardines"', "--json")
        [hit] = json.loads(out)
        assert hit["entry"]["id"] == 2 and hit["on_live_path"] is False
        assert hit["snippet"] == "Lisbon: «grilled sardines»."
        assert [hit["snippet"][a:b] for a, b in hit["marks"]] == ["grilled sardines"]

    def test_hostile_text_is_searched_and_an_empty_query_is_an_error(self, db):
        before = logical_dump(db)
        out, _ = tt(db, "search", '" * - NEAR( OR ) drop table entries; --')
        assert out == ""
        _, err = tt(db, "search", "  ", code=1)
        assert err.startswith("threadtree: error: query must hold a word to search for") and err.count("\n") == 1
        assert logical_dump(db) == before

    def test_an_unknown_thread(self, capsys, db):
        code, _, err = run(capsys, "search", "x", "--thread", "nope")
        assert code == 1 and "nope" in err


class TestLabels:
    def test_label_labels_and_unlabel(self, capsys, db):
        assert run(capsys, "label", "2", "good path") == (0, "2\n", "")
        run(capsys, "label", "4", "other")
        _, out, _ = run(capsys, "labels", "trip")
        assert out.splitlines() == ["good path  2  assistant: Lisbon: grilled sardines.", "other  4  assistant: Kyoto: gardens."]
        _, out, _ = run(capsys, "labels", "trip", "--json")
        assert [(lb["name"], lb["entry_id"]) for lb in json.loads(out)] == [("good path", 2), ("other", 4)]
        assert run(capsys, "unlabel", "trip", "other")[0] == 0
        code, _, err = run(capsys, "unlabel", "trip", "other")
        assert code == 1 and err == "threadtree: error: thread 'trip' has no label 'other'\n"

    def test_show_marks_branch_points_labels_and_merges(self, capsys, db):
        run(capsys, "label", "4", "kyoto")
        _, out, _ = run(capsys, "show", "trip")
        assert out.splitlines()[::3] == ["[1] user", "[4] assistant  < 2/2 >  #kyoto", "[5] user"]
        _, out, _ = run(capsys, "show", "--entry", "3")
        assert out.splitlines()[3] == "[2] assistant  < 1/2 >"
        _, out, _ = run(capsys, "show", "trip", "--json")
        branch = json.loads(out)[1]["branch"]
        assert (branch["position"], branch["count"], branch["sibling_ids"]) == (2, 2, [2, 4])
        assert json.loads(out)[1]["labels"] == ["kyoto"] and json.loads(out)[0]["branch"] is None
        run(capsys, "merge", "3", "summary of Lisbon")
        _, out, _ = run(capsys, "show", "trip", "--limit", "1")
        assert out.splitlines()[0] == "[6] assistant  merged from 3"

    def test_show_pages_backwards(self, capsys, db):
        _, out, _ = run(capsys, "show", "trip", "--before", "5")
        assert [line for line in out.splitlines() if line.startswith("[")] == ["[1] user", "[4] assistant  < 2/2 >"]
        _, out, _ = run(capsys, "show", "trip", "--before", "4", "--json")
        assert [e["id"] for e in json.loads(out)] == [1]


class TestMoving:
    def test_switch_comes_back_to_where_a_branch_was_left(self, capsys, db):
        assert run(capsys, "switch", "2") == (0, "3\n", "")
        run(capsys, "checkout", "4")  # leave Kyoto's branch at 4, not at its leaf 5
        run(capsys, "switch", "2")
        assert run(capsys, "switch", "4")[1] == "4\n"
        _, out, _ = run(capsys, "log", "trip", "--limit", "1")
        assert "switch" in out
        code, _, err = run(capsys, "switch", "404")
        assert code == 1 and "entry 404 does not exist" in err

    def test_copy_and_forks(self, capsys, db):
        code, out, _ = run(capsys, "copy", "3", "--from", "2", "--title", "Lisbon")
        copy = out.strip()
        assert code == 0
        _, out, _ = run(capsys, "show", copy)
        assert "Lisbon: grilled sardines." in out and "Where should I go" not in out
        _, out, _ = run(capsys, "forks", "trip")
        assert out.startswith(copy) and out.rstrip().endswith("from entry 3  Lisbon")
        _, out, _ = run(capsys, "forks", "trip", "--json")
        assert [(t["id"], t["origin_thread_id"], t["origin_entry_id"]) for t in json.loads(out)] == [(copy, "trip", 3)]
        code, _, err = run(capsys, "copy", "3", "--from", "4")
        assert code == 1 and "not on the path" in err

    def test_merge_from_text_and_from_stdin(self, db):
        out, _ = tt(db, "merge", "3", "Lisbon has sardines.")
        merged = int(out)
        out, _ = tt(db, "merge", "3", "--role", "user", stdin="from a pipe\n")
        with threadtree.open(db) as store:
            assert store.get_entry(merged).merged_from == 3
            assert (store.path("trip")[-1].content, store.path("trip")[-1].role) == ("from a pipe", "user")

    def test_a_merge_into_its_own_branch_is_an_error_and_writes_nothing(self, db):
        before = logical_dump(db)
        _, err = tt(db, "merge", "5", "summary", code=1)
        assert err.startswith("threadtree: error: leaf_id 5 is on the live path of thread 'trip'")
        assert err.count("\n") == 1
        tt(db, "merge", "3", stdin="", code=1)  # empty stdin stores nothing
        assert logical_dump(db) == before

    def test_merge_a_copy_back(self, capsys, db):
        copy = run(capsys, "copy", "3")[1].strip()
        tip = run(capsys, "append", copy, "assistant", "June is best.")[1].strip()
        assert run(capsys, "merge", tip, "From the copy: June.", "--thread", "id:trip")[0] == 0
        with threadtree.open(db) as store:
            assert store.path("trip")[-1].merged_from == int(tip)

    def test_diff_is_compare(self, capsys, db):
        _, out, _ = run(capsys, "diff", "3", "5", "--json")
        found = json.loads(out)
        assert found["ancestor"]["id"] == 1 and [e["id"] for e in found["a"]] == [2, 3]
        assert [e["id"] for e in found["b"]] == [4, 5]


def test_reading_commands_never_change_the_file(capsys, db):
    with threadtree.open(db) as store:
        store.set_label(2, "x")
        store.copy_thread(3)
    # A file, byte for byte; a PostgreSQL database (a URL), row for row.
    state = logical_dump if isinstance(db, str) else lambda path: path.read_bytes()
    before = state(db)
    for argv in (["search", "sardines"], ["labels", "trip"], ["forks", "trip"], ["show", "trip", "--json"]):
        assert run(capsys, *argv)[0] == 0
    assert state(db) == before
