"""store.check: each kind of damage, made with raw SQL behind threadtree's back, is named;
a healthy file gives []. Damage needs the triggers dropped and the constraints off, which is
what another tool (or a bug) could do."""

from __future__ import annotations

import os

import apsw
import pytest

import threadtree
from threadtree import NotFound, Problem
from threadtree.check import KINDS

from .helpers import build, damage, raw_conn


@pytest.fixture
def ids(db_path):
    """Threads 'a' (a1 - a2 - a3, and a4 forked from a1) and 'b' (b1 - b2)."""
    with threadtree.open(db_path) as store:
        store.create_thread("a", thread_id="a")
        store.create_thread("b", thread_id="b")
        found = build(store, "a", [("a1", "^"), ("a2", "^"), ("a3", "^"), ("a4", "a1")])
        found |= build(store, "b", [("b1", "^"), ("b2", "^")])
        store.rewind("a", found["a3"])
    return found




def kinds(problems):
    return sorted({p.kind for p in problems})


def test_a_healthy_file_has_no_problems(db_path, ids):
    with threadtree.open(db_path) as store:
        store.delete_branch(ids["a4"])
        store.fork(ids["a2"], "user", "again")
        store.rewind("b", None)
        assert store.check() == []
        assert store.check("a") == [] and store.check("b") == []


def test_an_empty_file_has_no_problems(db_path):
    with threadtree.open(db_path) as store:
        assert store.check() == []


def test_an_unknown_thread_is_not_found(store):
    with pytest.raises(NotFound, match="'nope'"):
        store.check("nope")


def test_a_cycle_is_named_and_walks_still_end(db_path, ids):
    damage(db_path, f"update entries set parent_entry_id = {ids['a3']}, depth = 3 where id = {ids['a1']}")
    with threadtree.open(db_path) as store:
        problems = store.check("a")
        cycles = [p for p in problems if p.kind == "cycle"]
        assert len(cycles) == 1
        assert cycles[0].entry_id == ids["a1"]
        assert f"{ids['a1']} -> {ids['a2']} -> {ids['a3']} -> {ids['a1']}" in cycles[0].message
        assert "1 more entries hang below it" in cycles[0].message  # a4
        # Every recursive query still ends (the cycle has a parent younger than its child).
        assert [e.id for e in store.path("a")] == [ids["a1"], ids["a2"], ids["a3"]]
        assert len(store.subtree(ids["a2"])) == 2
        assert store.common_ancestor(ids["a3"], ids["a4"]) is not None
        assert store.render_tree("a").count("\n") >= 4


def test_a_self_loop_is_a_cycle(db_path, ids):
    damage(db_path, f"update entries set parent_entry_id = id where id = {ids['b1']}")
    with threadtree.open(db_path) as store:
        assert "cycle" in kinds(store.check("b"))
        assert [e.id for e in store.path("b")] == [ids["b1"], ids["b2"]]


def test_a_missing_parent(db_path, ids):
    damage(db_path, f"update entries set parent_entry_id = 9999 where id = {ids['a3']}")
    with threadtree.open(db_path) as store:
        problem = next(p for p in store.check("a") if p.kind == "missing-parent")
        assert problem == Problem("a", ids["a3"], "missing-parent", f"entry {ids['a3']} has parent 9999, which does not exist")


def test_a_parent_in_another_thread(db_path, ids):
    damage(db_path, f"update entries set parent_entry_id = {ids['b1']} where id = {ids['a3']}")
    with threadtree.open(db_path) as store:
        problem = next(p for p in store.check() if p.kind == "cross-thread-parent")
        assert (problem.thread_id, problem.entry_id) == ("a", ids["a3"])
        assert "an entry of thread 'b'" in problem.message
        assert "foreign-key" in kinds(store.check())  # the composite key says so too


def test_a_parent_that_is_not_older(db_path, ids):
    damage(db_path, f"update entries set parent_entry_id = {ids['a4']}, depth = 2 where id = {ids['a2']}")
    with threadtree.open(db_path) as store:
        problems = store.check("a")
        assert [p.entry_id for p in problems if p.kind == "parent-not-older"] == [ids["a2"]]
        assert "cycle" not in kinds(problems)


def test_a_wrong_depth_names_only_the_wrong_entry(db_path, ids):
    damage(db_path, f"update entries set depth = 7 where id = {ids['a2']}")
    with threadtree.open(db_path) as store:
        assert [(p.kind, p.entry_id) for p in store.check()] == [("wrong-depth", ids["a2"])]


def test_a_root_with_a_depth(db_path, ids):
    """The schema's CHECK (a root has depth 0) fails too. It is reported once, as the wrong
    depth it is, and the same whether the file is open read-only or not: integrity_check
    tests CHECK constraints only on a writable connection, so check() tests them itself."""
    damage(db_path, f"update entries set depth = 1 where id = {ids['b1']}")
    with threadtree.open(db_path) as store:
        problems = store.check()
        assert [(p.kind, p.entry_id) for p in problems] == [("wrong-depth", ids["b1"])]
        assert store.check("b") == problems
        raw = raw_conn(store).execute("pragma integrity_check").fetchall()
        assert any("CHECK constraint failed in entries" in line for (line,) in raw)
    with threadtree.open(db_path, readonly=True) as store:
        assert store.check() == problems


def test_a_missing_current_leaf(db_path, ids):
    damage(db_path, "update threads set current_leaf_id = 9999 where id = 'a'")
    with threadtree.open(db_path) as store:
        assert ("missing-leaf", 9999) in [(p.kind, p.entry_id) for p in store.check("a")]


def test_a_current_leaf_in_another_thread(db_path, ids):
    damage(db_path, f"update threads set current_leaf_id = {ids['b2']} where id = 'a'")
    with threadtree.open(db_path) as store:
        problem = next(p for p in store.check() if p.kind == "cross-thread-leaf")
        assert (problem.thread_id, problem.entry_id) == ("a", ids["b2"])


def test_a_leaves_table_out_of_step(db_path, ids):
    damage(
        db_path,
        f"delete from leaves where entry_id = {ids['a3']}",
        f"insert into leaves (thread_id, entry_id) values ('a', {ids['a1']})",
        "insert into leaves (thread_id, entry_id) values ('a', 777)",
    )
    with threadtree.open(db_path) as store:
        table = [p for p in store.check("a") if p.kind == "leaves-table"]
        assert [p.entry_id for p in table] == [ids["a3"], ids["a1"], 777]
        assert "has children" in table[1].message and "not an entry of this thread" in table[2].message


def test_rows_of_a_deleted_thread(db_path, ids):
    damage(db_path, "delete from threads where id = 'b'")
    with threadtree.open(db_path) as store:
        problems = store.check()
        assert [(p.kind, p.entry_id) for p in problems if p.kind == "orphan-entry"] == [
            ("orphan-entry", ids["b1"]), ("orphan-entry", ids["b2"]),
        ]
        assert {"foreign-key", "leaves-table"} <= set(kinds(problems))


def test_a_damaged_page_is_reported_even_when_integrity_check_cannot_finish(db_path, ids):
    conn = apsw.Connection(os.fspath(db_path))
    conn.pragma("wal_checkpoint", "TRUNCATE")
    root = conn.execute("select rootpage from sqlite_schema where name = 'entries_thread_parent'").get
    page_size = conn.pragma("page_size")
    conn.close()
    with open(db_path, "r+b") as f:  # scribble over the index's cell area
        f.seek((root - 1) * page_size + page_size - 64)
        f.write(b"\xff" * 48)
    with threadtree.open(db_path) as store:
        problems = store.check()
        assert "integrity" in kinds(problems)
        assert all(p.thread_id is None for p in problems if p.kind == "integrity")
        assert "malformed" in problems[0].message
        store.get_thread("a")  # the store is out of the read transaction and still works


def test_a_thread_check_sees_only_its_thread(db_path, ids):
    damage(db_path, f"update entries set depth = 9 where id = {ids['b2']}")
    with threadtree.open(db_path) as store:
        assert store.check("a") == []
        assert [p.thread_id for p in store.check("b")] == ["b"]


def test_problems_read_well(db_path, ids):
    damage(db_path, f"update entries set depth = 7 where id = {ids['a2']}")
    with threadtree.open(db_path) as store:
        (problem,) = store.check()
    assert str(problem) == f"thread 'a': wrong-depth: entry {ids['a2']} has depth 7, but it is 1 below its root"


def test_every_kind_is_documented():
    import threadtree.check as module

    for kind in KINDS:
        assert f"``{kind}``" in module.__doc__
