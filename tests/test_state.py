"""Agent state beside the tree: checkpoints, the event log and tool calls (issue 8).

Every call against its contract, bad input (the error names the argument, nothing is
written), what deleting a branch or a thread does to the rows, the rules the schema holds on
its own (raw SQL), and the plans of the queries.
"""

from __future__ import annotations

import itertools
import os
from types import SimpleNamespace

import apsw
import apsw.ext
import pytest

import threadtree
from threadtree import Checkpoint, Conflict, Event, InvalidInput, NotFound, ToolCall
from threadtree._db.sqlite import SQL as _sql
from threadtree._db import state as _state
from threadtree.store import database_of

from .helpers import BRANCHED, build, connect, constraint_error, logical_dump, plan_lines, raw_conn

STATE_TABLES = ("checkpoints", "events", "event_floors", "tool_calls")


def count_rows(db_path, table, thread_id=None):
    """Rows of a table in the file, read through a connection of its own."""
    conn = connect(db_path)
    try:
        if thread_id is None:
            return conn.execute(f"select count(*) from {table}").fetchone()[0]
        return conn.execute(f"select count(*) from {table} where thread_id = ?", (thread_id,)).fetchone()[0]
    finally:
        conn.close()


def raw_connection(db_path, foreign_keys=True):
    conn = connect(db_path)
    if isinstance(conn, apsw.Connection):  # PostgreSQL holds foreign keys on every connection
        conn.pragma("foreign_keys", foreign_keys)
    return conn


@pytest.fixture
def tree(store, thread):
    """Thread 't' holding helpers.BRANCHED (live path a b x y; leaves d e r y)."""
    return build(store, thread.id, BRANCHED)


# -- checkpoints --


class TestSaveCheckpoint:
    def test_saves_and_returns_the_checkpoint(self, store, tree):
        saved = store.save_checkpoint("t", "c1", {"step": 1, "todo": ["a"]}, entry_id=tree["b"])
        assert isinstance(saved, Checkpoint)
        assert (saved.thread_id, saved.checkpoint_id, saved.entry_id, saved.parent_checkpoint_id) == ("t", "c1", tree["b"], None)
        assert saved.state == {"step": 1, "todo": ["a"]}
        assert store.load_checkpoint("t", "c1") == saved

    @pytest.mark.parametrize("state", [None, 0, -1.5, "text", [], [1, [2, {"x": None}]], {"é": "\u2603"}, True])
    def test_state_is_any_json_value(self, store, thread, state):
        store.save_checkpoint("t", "c", state)
        assert store.load_checkpoint("t", "c").state == state

    def test_the_state_is_copied(self, store, thread):
        state = {"items": [1]}
        saved = store.save_checkpoint("t", "c", state)
        state["items"].append(2)
        assert saved.state == {"items": [1]}
        assert store.load_checkpoint("t", "c").state == {"items": [1]}

    def test_saving_again_replaces_everything_and_makes_it_the_newest(self, store, tree, db_path, monkeypatch):
        clock = iter([100.0, 200.0, 300.0])
        monkeypatch.setattr(_state, "time", SimpleNamespace(time=lambda: next(clock)))  # _state's clock only
        store.save_checkpoint("t", "parent", {})
        store.save_checkpoint("t", "c", {"v": 1}, entry_id=tree["a"], parent_checkpoint_id="parent")
        store.save_checkpoint("t", "c", {"v": 2}, entry_id=tree["y"])
        again = store.load_checkpoint("t", "c")
        assert (again.state, again.entry_id, again.parent_checkpoint_id, again.created_at) == ({"v": 2}, tree["y"], None, 300.0)
        assert [c.checkpoint_id for c in store.list_checkpoints("t")] == ["c", "parent"]
        assert count_rows(db_path, "checkpoints") == 2

    def test_the_newest_is_the_last_saved_even_when_the_clock_goes_back(self, store, thread, monkeypatch):
        clock = iter([300.0, 200.0, 100.0])
        monkeypatch.setattr(_state, "time", SimpleNamespace(time=lambda: next(clock)))  # _state's clock only
        for name in ("first", "second", "third"):
            store.save_checkpoint("t", name, name)
        assert [c.checkpoint_id for c in store.list_checkpoints("t")] == ["third", "second", "first"]
        assert store.load_checkpoint("t").checkpoint_id == "third"

    def test_the_same_id_in_two_threads_is_two_checkpoints(self, store, thread, other_thread):
        store.save_checkpoint("t", "c", 1)
        store.save_checkpoint("other", "c", 2)
        assert (store.load_checkpoint("t", "c").state, store.load_checkpoint("other", "c").state) == (1, 2)

    def test_a_parent_from_the_same_thread(self, store, thread):
        store.save_checkpoint("t", "p", 0)
        assert store.save_checkpoint("t", "c", 1, parent_checkpoint_id="p").parent_checkpoint_id == "p"

    def test_a_parent_can_be_changed_where_no_cycle_forms(self, store, thread):
        for name, parent in (("a", None), ("b", "a"), ("c", "b")):
            store.save_checkpoint("t", name, name, parent_checkpoint_id=parent)
        store.save_checkpoint("t", "c", "c", parent_checkpoint_id="a")
        assert store.load_checkpoint("t", "c").parent_checkpoint_id == "a"


def _save(store, override):
    args = {"thread_id": "t", "checkpoint_id": "c", "state": {"ok": True}} | override
    return store.save_checkpoint(args.pop("thread_id"), args.pop("checkpoint_id"), args.pop("state"), **args)


BAD_SAVES = [
    pytest.param({"checkpoint_id": ""}, InvalidInput, "checkpoint_id", id="empty-id"),
    pytest.param({"checkpoint_id": "  "}, InvalidInput, "checkpoint_id", id="blank-id"),
    pytest.param({"checkpoint_id": 7}, InvalidInput, "checkpoint_id", id="id-not-str"),
    pytest.param({"checkpoint_id": "\ud800"}, InvalidInput, "checkpoint_id", id="lone-surrogate"),
    pytest.param({"state": float("nan")}, InvalidInput, "state", id="nan-state"),
    pytest.param({"state": {"x": float("inf")}}, InvalidInput, r"state\['x'\]", id="inf-inside"),
    pytest.param({"state": (1, 2)}, InvalidInput, "state", id="tuple-state"),
    pytest.param({"state": {1: "a"}}, InvalidInput, "state", id="non-str-key"),
    pytest.param({"state": {"s": {1, 2}}}, InvalidInput, "state", id="set-inside"),
    pytest.param({"entry_id": "1"}, InvalidInput, "entry_id", id="entry-id-str"),
    pytest.param({"entry_id": True}, InvalidInput, "entry_id", id="entry-id-bool"),
    pytest.param({"entry_id": 999}, NotFound, "entry 999 .entry_id.", id="unknown-entry"),
    pytest.param({"parent_checkpoint_id": ""}, InvalidInput, "parent_checkpoint_id", id="empty-parent"),
    pytest.param({"parent_checkpoint_id": "c"}, InvalidInput, "parent_checkpoint_id 'c' is the checkpoint itself", id="own-parent"),
    pytest.param({"parent_checkpoint_id": "nope"}, NotFound, "'nope' .parent_checkpoint_id.", id="unknown-parent"),
    pytest.param({"parent_checkpoint_id": "in-other"}, NotFound, "parent_checkpoint_id", id="parent-of-other-thread"),
    pytest.param({"thread_id": "nope"}, NotFound, "thread 'nope'", id="unknown-thread"),
    pytest.param({"thread_id": ""}, InvalidInput, "thread_id", id="empty-thread"),
]


@pytest.mark.parametrize("override, error, match", BAD_SAVES)
def test_bad_save_names_the_argument_and_writes_nothing(store, db_path, tree, other_thread, override, error, match):
    store.save_checkpoint("t", "c", {"old": True})
    store.save_checkpoint("other", "in-other", 1)
    before = logical_dump(db_path)
    with pytest.raises(error, match=match):
        _save(store, override)
    assert logical_dump(db_path) == before
    assert store.load_checkpoint("t", "c").state == {"old": True}


def test_an_entry_of_another_thread_is_refused(store, db_path, tree, other_thread):
    foreign = store.append("other", "user", "elsewhere")
    before = logical_dump(db_path)
    with pytest.raises(InvalidInput, match=f"entry_id {foreign.id} belongs to thread 'other', not 't'"):
        store.save_checkpoint("t", "c", 1, entry_id=foreign.id)
    assert logical_dump(db_path) == before


def test_a_cycle_of_parents_is_refused(store, db_path, thread):
    for name, parent in (("a", None), ("b", "a"), ("c", "b")):
        store.save_checkpoint("t", name, name, parent_checkpoint_id=parent)
    before = logical_dump(db_path)
    with pytest.raises(InvalidInput, match="parent_checkpoint_id 'c' descends from checkpoint 'a'"):
        store.save_checkpoint("t", "a", "a", parent_checkpoint_id="c")
    assert logical_dump(db_path) == before


def test_a_state_larger_than_max_size_is_refused(tmp_path):
    with threadtree.open(tmp_path / "small.db", max_size=100) as store:
        store.create_thread(thread_id="t")
        before = logical_dump(tmp_path / "small.db")
        with pytest.raises(InvalidInput, match="state is .* bytes of JSON, more than the store's max_size of 100"):
            store.save_checkpoint("t", "c", "x" * 200)
        store.save_checkpoint("t", "c", "x" * 50)
        assert logical_dump(tmp_path / "small.db") != before


class TestLoadCheckpoint:
    def test_the_newest_on_the_live_path_wins_over_newer_ones_elsewhere(self, store, tree):
        store.save_checkpoint("t", "at-a", 1, entry_id=tree["a"])
        store.save_checkpoint("t", "at-x", 2, entry_id=tree["x"])
        store.save_checkpoint("t", "at-d", 3, entry_id=tree["d"])  # newest, but off the live path
        store.save_checkpoint("t", "loose", 4)  # newest overall, but unpinned
        assert store.load_checkpoint("t").checkpoint_id == "at-x"

    def test_newest_means_last_saved_not_deepest(self, store, tree):
        store.save_checkpoint("t", "deep", 1, entry_id=tree["y"])
        store.save_checkpoint("t", "shallow", 2, entry_id=tree["a"])
        assert store.load_checkpoint("t").checkpoint_id == "shallow"

    def test_the_current_leaf_itself_counts(self, store, tree):
        store.save_checkpoint("t", "at-y", 1, entry_id=tree["y"])
        assert store.load_checkpoint("t").checkpoint_id == "at-y"

    def test_it_follows_the_live_path_after_a_rewind(self, store, tree):
        store.save_checkpoint("t", "at-c", 1, entry_id=tree["c"])
        store.save_checkpoint("t", "at-x", 2, entry_id=tree["x"])
        assert store.load_checkpoint("t").checkpoint_id == "at-x"
        store.rewind("t", tree["d"])
        assert store.load_checkpoint("t").checkpoint_id == "at-c"
        store.rewind("t", tree["b"])  # on both paths' common part: neither is on it
        with pytest.raises(NotFound, match="no checkpoint to resume from"):
            store.load_checkpoint("t")

    def test_without_one_on_the_path_the_newest_unpinned(self, store, tree):
        store.save_checkpoint("t", "u1", 1)
        store.save_checkpoint("t", "off-path", 2, entry_id=tree["e"])
        store.save_checkpoint("t", "u2", 3)
        store.save_checkpoint("t", "u1", 4)  # saved again: the newest unpinned now
        assert store.load_checkpoint("t").checkpoint_id == "u1"

    def test_an_empty_live_path_resumes_from_unpinned_ones_only(self, store, tree):
        store.save_checkpoint("t", "pinned", 1, entry_id=tree["a"])
        store.rewind("t", None)
        with pytest.raises(NotFound, match="thread 't' has no checkpoint to resume from"):
            store.load_checkpoint("t")
        store.save_checkpoint("t", "loose", 2)
        assert store.load_checkpoint("t").checkpoint_id == "loose"

    def test_none_at_all(self, store, thread):
        with pytest.raises(NotFound, match="thread 't' has no checkpoint to resume from"):
            store.load_checkpoint("t")

    def test_by_id(self, store, tree):
        store.save_checkpoint("t", "off-path", 2, entry_id=tree["e"])
        assert store.load_checkpoint("t", "off-path").entry_id == tree["e"]
        with pytest.raises(NotFound, match="thread 't' has no checkpoint 'missing'"):
            store.load_checkpoint("t", "missing")

    def test_an_unknown_thread(self, store, thread):
        store.save_checkpoint("t", "c", 1)
        for cid in (None, "c"):
            with pytest.raises(NotFound, match="thread 'nope' does not exist"):
                store.load_checkpoint("nope", cid)

    @pytest.mark.parametrize("cid", ["", 3, b"c"])
    def test_a_bad_id(self, store, thread, cid):
        with pytest.raises(InvalidInput, match="checkpoint_id"):
            store.load_checkpoint("t", cid)

    def test_a_deep_live_path(self, store, thread):
        entries = store.extend("t", [{"role": "user", "content": str(k)} for k in range(3000)])
        store.save_checkpoint("t", "root", 0, entry_id=entries[0].id)
        store.save_checkpoint("t", "loose", 1)
        assert store.load_checkpoint("t").checkpoint_id == "root"


class TestListCheckpoints:
    def test_newest_first_with_a_limit(self, store, thread):
        for k in range(5):
            store.save_checkpoint("t", f"c{k}", k)
        assert [c.checkpoint_id for c in store.list_checkpoints("t")] == ["c4", "c3", "c2", "c1", "c0"]
        assert [c.checkpoint_id for c in store.list_checkpoints("t", limit=2)] == ["c4", "c3"]
        assert len(store.list_checkpoints("t", limit=None)) == 5

    def test_the_default_limit_is_100(self, store, thread):
        for k in range(101):
            store.save_checkpoint("t", f"c{k}", k)
        listed = store.list_checkpoints("t")
        assert len(listed) == 100 and listed[0].checkpoint_id == "c100"

    def test_only_the_threads_own(self, store, thread, other_thread):
        store.save_checkpoint("other", "theirs", 1)
        assert store.list_checkpoints("t") == []
        assert [c.checkpoint_id for c in store.list_checkpoints("other")] == ["theirs"]

    def test_an_unknown_thread_and_bad_limits(self, store, thread):
        with pytest.raises(NotFound, match="thread 'nope'"):
            store.list_checkpoints("nope")
        for bad in (0, -1, "5", True):
            with pytest.raises(InvalidInput, match="limit"):
                store.list_checkpoints("t", limit=bad)


class TestDeleteCheckpoint:
    def test_deletes_it(self, store, db_path, thread):
        store.save_checkpoint("t", "c", 1)
        store.save_checkpoint("t", "keep", 2)
        assert store.delete_checkpoint("t", "c") is None
        assert [c.checkpoint_id for c in store.list_checkpoints("t")] == ["keep"]
        assert count_rows(db_path, "checkpoints") == 1

    def test_its_children_get_its_parent(self, store, thread):
        store.save_checkpoint("t", "root", 0)
        store.save_checkpoint("t", "mid", 1, parent_checkpoint_id="root")
        store.save_checkpoint("t", "leaf1", 2, parent_checkpoint_id="mid")
        store.save_checkpoint("t", "leaf2", 3, parent_checkpoint_id="mid")
        store.delete_checkpoint("t", "mid")
        parents = {c.checkpoint_id: c.parent_checkpoint_id for c in store.list_checkpoints("t")}
        assert parents == {"root": None, "leaf1": "root", "leaf2": "root"}
        store.delete_checkpoint("t", "root")
        parents = {c.checkpoint_id: c.parent_checkpoint_id for c in store.list_checkpoints("t")}
        assert parents == {"leaf1": None, "leaf2": None}

    def test_unknown_ones_are_not_found_and_nothing_is_written(self, store, db_path, thread, other_thread):
        store.save_checkpoint("other", "c", 1)
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="thread 't' has no checkpoint 'c'"):
            store.delete_checkpoint("t", "c")
        with pytest.raises(NotFound, match="thread 'nope' does not exist"):
            store.delete_checkpoint("nope", "c")
        with pytest.raises(InvalidInput, match="checkpoint_id"):
            store.delete_checkpoint("other", "")
        assert logical_dump(db_path) == before


class TestCheckpointsAndDeletedBranches:
    def test_delete_branch_takes_the_checkpoints_pinned_inside_it(self, store, db_path, tree):
        for name in ("a", "b", "c", "d", "x", "y", "e"):
            store.save_checkpoint("t", f"at-{name}", name, entry_id=tree[name])
        store.save_checkpoint("t", "loose", None)
        store.delete_branch(tree["b"])  # b c d x y
        assert sorted(c.checkpoint_id for c in store.list_checkpoints("t")) == ["at-a", "at-e", "loose"]
        assert count_rows(db_path, "checkpoints") == 3
        assert store.load_checkpoint("t").checkpoint_id == "at-a"  # the leaf moved up to a
        assert store.check() == []

    def test_survivors_of_a_deleted_branch_keep_a_lineage(self, store, tree):
        """A chain a -> b -> c -> e of checkpoints where b and c are pinned inside the deleted
        branch: e is re-attached to a, whatever order the cascade deleted b and c in."""
        store.save_checkpoint("t", "ca", 0, entry_id=tree["a"])
        store.save_checkpoint("t", "cb", 1, entry_id=tree["b"], parent_checkpoint_id="ca")
        store.save_checkpoint("t", "cc", 2, entry_id=tree["c"], parent_checkpoint_id="cb")
        store.save_checkpoint("t", "ce", 3, entry_id=tree["e"], parent_checkpoint_id="cc")
        store.delete_branch(tree["b"])
        assert store.load_checkpoint("t", "ce").parent_checkpoint_id == "ca"

    def test_saving_under_a_checkpoint_walks_its_lineage_only_when_a_cycle_is_possible(
        self, store, thread, monkeypatch
    ):
        """A chain saved step after step (each under the newest) costs a lookup a save, not a
        walk as long as the chain (on PostgreSQL 1,000 saves took 38 s): only a checkpoint
        that is already some checkpoint's parent can be an ancestor of its new parent."""
        from threadtree._db import state as agent_state

        walks = []
        real = agent_state.checkpoint_lineage
        monkeypatch.setattr(agent_state, "checkpoint_lineage", lambda *a: walks.append(a[2]) or real(*a))
        for k in range(1, 6):
            store.save_checkpoint("t", f"c{k}", k, parent_checkpoint_id=f"c{k - 1}" if k > 1 else None)
        store.save_checkpoint("t", "c5", "again", parent_checkpoint_id="c4")  # c5 has no child
        assert walks == []
        with pytest.raises(InvalidInput, match="descends from checkpoint 'c2'"):
            store.save_checkpoint("t", "c2", "loop", parent_checkpoint_id="c5")
        assert walks == ["c5"]
        assert store.load_checkpoint("t", "c2").parent_checkpoint_id == "c1"
        with pytest.raises(NotFound, match="'c9'"):
            store.save_checkpoint("t", "c6", 6, parent_checkpoint_id="c9")

    def test_a_deep_branch_full_of_checkpoints_goes_in_one_call(self, store, db_path, thread):
        entries = store.extend("t", [{"role": "user", "content": str(k)} for k in range(2000)])
        previous = None
        for entry in entries[::2]:
            store.save_checkpoint("t", f"c{entry.id}", entry.id, entry_id=entry.id, parent_checkpoint_id=previous)
            previous = f"c{entry.id}"
        store.save_checkpoint("t", "loose", 0, parent_checkpoint_id=previous)
        assert store.delete_branch(entries[0].id) == 2000
        assert [(c.checkpoint_id, c.parent_checkpoint_id) for c in store.list_checkpoints("t")] == [("loose", None)]
        assert count_rows(db_path, "checkpoints") == 1


# -- events --


class TestAppendEvent:
    def test_seqs_count_from_one_per_thread(self, store, thread, other_thread):
        assert [store.append_event("t", "a") for _ in range(3)] == [1, 2, 3]
        assert store.append_event("other", "a") == 1
        assert store.append_event("t", "a") == 4

    @pytest.mark.parametrize("data", [None, 0, "s", [1, "two"], {"k": {"n": [None, 1.5]}}, False])
    def test_data_is_any_json_value(self, store, thread, data):
        seq = store.append_event("t", "kind", data)
        [event] = store.events("t")
        assert event == Event("t", seq, "kind", data, event.created_at)

    def test_events_keep_their_order_and_times(self, store, thread):
        for k in range(5):
            store.append_event("t", f"type-{k}", {"k": k})
        events = store.events("t")
        assert [(e.seq, e.type, e.data) for e in events] == [(k + 1, f"type-{k}", {"k": k}) for k in range(5)]
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)

    def test_an_unknown_thread(self, store, db_path, thread):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="thread 'nope' does not exist"):
            store.append_event("nope", "a")
        assert logical_dump(db_path) == before


BAD_EVENTS = [
    pytest.param({"type": ""}, "type", id="empty-type"),
    pytest.param({"type": " "}, "type", id="blank-type"),
    pytest.param({"type": None}, "type", id="none-type"),
    pytest.param({"type": "\udfff"}, "type", id="surrogate-type"),
    pytest.param({"data": float("nan")}, "data", id="nan-data"),
    pytest.param({"data": [1, (2,)]}, r"data\[1\]", id="tuple-inside"),
    pytest.param({"data": {"when": object()}}, "data", id="object-inside"),
    pytest.param({"thread_id": 5}, "thread_id", id="thread-not-str"),
]


@pytest.mark.parametrize("override, field", BAD_EVENTS)
def test_bad_event_names_the_argument_and_writes_nothing(store, db_path, thread, override, field):
    store.append_event("t", "first")
    before = logical_dump(db_path)
    args = {"thread_id": "t", "type": "ok", "data": None} | override
    with pytest.raises(InvalidInput, match=field):
        store.append_event(args["thread_id"], args["type"], args["data"])
    assert logical_dump(db_path) == before
    assert store.append_event("t", "second") == 2


class TestEvents:
    def test_after_and_limit_page_through_the_log(self, store, thread):
        for k in range(10):
            store.append_event("t", "e", k)
        assert [e.seq for e in store.events("t", after=3, limit=4)] == [4, 5, 6, 7]
        assert [e.seq for e in store.events("t", after=8)] == [9, 10]
        assert store.events("t", after=10) == []
        assert [e.seq for e in store.events("t", after=-100, limit=1)] == [1]
        assert len(store.events("t", after=0)) == 10

    def test_an_empty_log_and_an_unknown_thread(self, store, thread):
        assert store.events("t") == []
        with pytest.raises(NotFound, match="thread 'nope' does not exist"):
            store.events("nope")

    @pytest.mark.parametrize("kwargs, field", [
        ({"after": "3"}, "after"), ({"after": 1.0}, "after"), ({"after": True}, "after"),
        ({"after": 2**63}, "after"), ({"limit": 0}, "limit"), ({"limit": "all"}, "limit"),
    ])
    def test_bad_arguments(self, store, thread, kwargs, field):
        with pytest.raises(InvalidInput, match=field):
            store.events("t", **kwargs)


class TestDeleteEventsBefore:
    def test_deletes_the_older_ones_and_the_rest_keep_their_seqs(self, store, thread):
        for k in range(6):
            store.append_event("t", "e", k)
        assert store.delete_events_before("t", 4) == 3
        assert [(e.seq, e.data) for e in store.events("t")] == [(4, 3), (5, 4), (6, 5)]
        assert store.append_event("t", "e") == 7

    def test_seqs_are_never_reused_after_everything_was_deleted(self, store, db_path, thread):
        for _ in range(5):
            store.append_event("t", "e")
        assert store.delete_events_before("t", 100) == 5
        assert store.events("t") == [] and count_rows(db_path, "events") == 0
        assert store.append_event("t", "e") == 6
        assert store.delete_events_before("t", 7) == 1
        assert store.append_event("t", "e") == 7

    def test_seqs_continue_after_the_newest_was_deleted_with_older_ones_kept(self, store, thread):
        for _ in range(3):
            store.append_event("t", "e")
        store.delete_events_before("t", 3)  # 1, 2 go; 3 stays
        assert store.append_event("t", "e") == 4

    @pytest.mark.parametrize("seq", [1, 0, -5])
    def test_nothing_to_delete_writes_nothing(self, store, db_path, thread, seq):
        store.append_event("t", "e")
        before = logical_dump(db_path)
        assert store.delete_events_before("t", seq) == 0
        assert logical_dump(db_path) == before

    def test_only_the_given_thread(self, store, thread, other_thread):
        for tid in ("t", "other", "t", "other"):
            store.append_event(tid, "e")
        assert store.delete_events_before("t", 10) == 2
        assert [e.seq for e in store.events("other")] == [1, 2]
        assert store.append_event("other", "e") == 3

    def test_bad_arguments_and_unknown_threads(self, store, db_path, thread):
        store.append_event("t", "e")
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="thread 'nope'"):
            store.delete_events_before("nope", 5)
        for bad in ("5", 5.0, None, False, -(2**63) - 1):
            with pytest.raises(InvalidInput, match="seq"):
                store.delete_events_before("t", bad)
        assert logical_dump(db_path) == before

    def test_a_failure_after_the_delete_deletes_nothing_and_a_retry_works(self, store, db_path, thread, monkeypatch):
        for _ in range(4):
            store.append_event("t", "e")
        before = logical_dump(db_path)
        sql = database_of(store).engine().sql
        real = sql.query

        def failing(name):
            if name == "event_set_floor":
                raise RuntimeError("injected")
            return real(name)

        monkeypatch.setattr(sql, "query", failing)
        with pytest.raises(RuntimeError, match="injected"):
            store.delete_events_before("t", 10)
        assert logical_dump(db_path) == before
        monkeypatch.setattr(sql, "query", real)
        assert store.delete_events_before("t", 10) == 4
        assert store.append_event("t", "e") == 5


# -- tool calls --


@pytest.fixture
def call(store, tree):
    return store.create_tool_call("t", "call-1", "search", {"q": "lisbon"}, entry_id=tree["y"])


class TestCreateToolCall:
    def test_a_new_call_is_pending(self, store, tree, call):
        assert isinstance(call, ToolCall)
        assert (call.thread_id, call.call_id, call.name, call.parameters, call.status, call.entry_id) == (
            "t", "call-1", "search", {"q": "lisbon"}, "pending", tree["y"]
        )
        assert (call.result, call.error, call.started_at, call.completed_at) == (None, None, None, None)
        assert call.created_at == call.updated_at
        assert store.tool_calls("t") == [call]

    @pytest.mark.parametrize("parameters", [None, "{\"raw\": 1}", [1, 2], {"nested": {"a": [True]}}])
    def test_parameters_are_any_json_value(self, store, thread, parameters):
        made = store.create_tool_call("t", "c", "tool", parameters)
        assert store.tool_calls("t")[0].parameters == parameters == made.parameters

    def test_without_an_entry(self, store, thread):
        assert store.create_tool_call("t", "c", "tool", {}).entry_id is None

    def test_a_taken_call_id_is_a_conflict_in_any_thread(self, store, db_path, call, other_thread):
        before = logical_dump(db_path)
        for tid in ("t", "other"):
            with pytest.raises(Conflict, match="tool call 'call-1' already exists .in thread 't'."):
                store.create_tool_call(tid, "call-1", "other-tool", {})
        assert logical_dump(db_path) == before


BAD_CALLS = [
    pytest.param({"call_id": ""}, InvalidInput, "call_id", id="empty-call-id"),
    pytest.param({"call_id": ["c"]}, InvalidInput, "call_id", id="call-id-not-str"),
    pytest.param({"name": ""}, InvalidInput, "name", id="empty-name"),
    pytest.param({"name": "\ud800x"}, InvalidInput, "name", id="surrogate-name"),
    pytest.param({"parameters": {"x": float("-inf")}}, InvalidInput, "parameters", id="inf-parameters"),
    pytest.param({"parameters": ("a",)}, InvalidInput, "parameters", id="tuple-parameters"),
    pytest.param({"entry_id": "3"}, InvalidInput, "entry_id", id="entry-not-int"),
    pytest.param({"entry_id": 424242}, NotFound, "entry 424242 .entry_id.", id="unknown-entry"),
    pytest.param({"entry_id": "foreign"}, InvalidInput, "entry_id .* belongs to thread 'other'", id="foreign-entry"),
    pytest.param({"thread_id": "nope"}, NotFound, "thread 'nope'", id="unknown-thread"),
]


@pytest.mark.parametrize("override, error, match", BAD_CALLS)
def test_bad_tool_call_names_the_argument_and_writes_nothing(store, db_path, tree, other_thread, override, error, match):
    foreign = store.append("other", "user", "x").id
    if override.get("entry_id") == "foreign":
        override = {"entry_id": foreign}
    before = logical_dump(db_path)
    args = {"thread_id": "t", "call_id": "c", "name": "tool", "parameters": {}} | override
    with pytest.raises(error, match=match):
        store.create_tool_call(
            args.pop("thread_id"), args.pop("call_id"), args.pop("name"), args.pop("parameters"), **args
        )
    assert logical_dump(db_path) == before


LEGAL = {("pending", "approved"), ("pending", "denied"), ("approved", "executing"),
         ("executing", "completed"), ("executing", "failed")}
ROUTE = {  # how to bring a call into each status
    "pending": [], "approved": ["approved"], "denied": ["denied"], "executing": ["approved", "executing"],
    "completed": ["approved", "executing", "completed"], "failed": ["approved", "executing", "failed"],
}
STATUSES = list(ROUTE)


class TestUpdateToolCall:
    def test_the_happy_path_stamps_the_times(self, store, call, monkeypatch):
        clock = iter([10.0, 20.0, 30.0])
        monkeypatch.setattr(_state, "time", SimpleNamespace(time=lambda: next(clock)))  # _state's clock only
        approved = store.update_tool_call("call-1", status="approved")
        assert (approved.status, approved.updated_at, approved.started_at) == ("approved", 10.0, None)
        running = store.update_tool_call("call-1", status="executing")
        assert (running.status, running.started_at, running.completed_at) == ("executing", 20.0, None)
        done = store.update_tool_call("call-1", status="completed", result={"hits": 3})
        assert (done.status, done.result, done.error) == ("completed", {"hits": 3}, None)
        assert (done.started_at, done.completed_at, done.updated_at) == (20.0, 30.0, 30.0)
        assert done.created_at == call.created_at and done.parameters == call.parameters
        assert store.tool_calls("t") == [done]

    def test_a_failure_keeps_its_error(self, store, call):
        store.update_tool_call("call-1", status="approved")
        store.update_tool_call("call-1", status="executing")
        failed = store.update_tool_call("call-1", status="failed", error="timeout after 30 s")
        assert (failed.status, failed.error, failed.result) == ("failed", "timeout after 30 s", None)
        assert failed.completed_at is not None and failed.started_at is not None

    def test_a_denial_may_say_why_and_never_starts(self, store, call):
        denied = store.update_tool_call("call-1", status="denied", error="not allowed on prod")
        assert (denied.status, denied.error, denied.started_at, denied.completed_at) == (
            "denied", "not allowed on prod", None, None
        )

    def test_a_result_or_error_can_be_recorded_later(self, store, call):
        for status in ROUTE["completed"]:
            store.update_tool_call("call-1", status=status)
        done = store.update_tool_call("call-1", result=[1, 2])
        assert (done.status, done.result) == ("completed", [1, 2])
        store.create_tool_call("t", "call-2", "x", None)
        store.update_tool_call("call-2", status="denied")
        assert store.update_tool_call("call-2", error="later").error == "later"

    @pytest.mark.parametrize("start, target", [
        (a, b) for a, b in itertools.product(STATUSES, STATUSES) if (a, b) not in LEGAL
    ])
    def test_every_illegal_move_names_both_statuses_and_writes_nothing(self, store, db_path, call, start, target):
        for status in ROUTE[start]:
            store.update_tool_call("call-1", status=status)
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=f"tool call 'call-1' cannot go from '{start}' to '{target}'"):
            store.update_tool_call("call-1", status=target)
        assert logical_dump(db_path) == before

    @pytest.mark.parametrize("kwargs, match", [
        ({"status": "approved", "result": 1}, "result is only for a completed tool call"),
        ({"status": "executing", "error": "x"}, "error is only for a failed or denied tool call"),
        ({"result": {"early": True}}, "result is only for .* would be 'pending'"),
        ({"error": "why"}, "error is only for .* would be 'pending'"),
        ({}, "needs a status, a result or an error"),
        ({"status": "done"}, "status must be one of 'pending', 'approved'"),
        ({"status": "approved", "error": 5}, "error must be a string"),
        ({"status": "approved", "result": float("nan")}, "result"),
    ])
    def test_results_and_errors_only_where_they_belong(self, store, db_path, call, kwargs, match):
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=match):
            store.update_tool_call("call-1", **kwargs)
        assert logical_dump(db_path) == before

    def test_a_completed_call_takes_no_error_and_a_failed_one_no_result(self, store, call):
        store.create_tool_call("t", "call-2", "x", None)
        for cid, final in (("call-1", "completed"), ("call-2", "failed")):
            for status in ROUTE[final]:
                store.update_tool_call(cid, status=status)
        with pytest.raises(InvalidInput, match="error is only for .* 'call-1' would be 'completed'"):
            store.update_tool_call("call-1", error="x")
        with pytest.raises(InvalidInput, match="result is only for .* 'call-2' would be 'failed'"):
            store.update_tool_call("call-2", result="x")

    def test_an_unknown_call(self, store, db_path, call):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="tool call 'nope' does not exist"):
            store.update_tool_call("nope", status="approved")
        with pytest.raises(InvalidInput, match="call_id"):
            store.update_tool_call("", status="approved")
        assert logical_dump(db_path) == before


class TestListingToolCalls:
    def test_pending_ones_oldest_first_and_filters(self, store, thread, other_thread):
        for k in range(4):
            store.create_tool_call("t", f"c{k}", "tool", k)
        store.create_tool_call("other", "theirs", "tool", None)
        store.update_tool_call("c1", status="approved")
        store.update_tool_call("c2", status="denied")
        assert [c.call_id for c in store.pending_tool_calls("t")] == ["c0", "c3"]
        assert [c.call_id for c in store.tool_calls("t")] == ["c0", "c1", "c2", "c3"]
        assert [c.call_id for c in store.tool_calls("t", status="approved")] == ["c1"]
        assert store.tool_calls("t", status="failed") == []
        assert [c.call_id for c in store.pending_tool_calls("other")] == ["theirs"]

    def test_unknown_threads_and_statuses(self, store, thread):
        assert store.pending_tool_calls("t") == [] and store.tool_calls("t") == []
        for call_it in (lambda: store.pending_tool_calls("nope"), lambda: store.tool_calls("nope")):
            with pytest.raises(NotFound, match="thread 'nope' does not exist"):
                call_it()
        with pytest.raises(InvalidInput, match="status must be one of"):
            store.tool_calls("t", status="PENDING")


class TestToolCallsAndDeletedBranches:
    def test_delete_branch_keeps_the_call_and_forgets_its_entry(self, store, db_path, tree, call):
        store.create_tool_call("t", "call-2", "x", None, entry_id=tree["a"])
        store.delete_branch(tree["x"])  # x y
        calls = {c.call_id: c for c in store.tool_calls("t")}
        assert (calls["call-1"].entry_id, calls["call-1"].parameters) == (None, {"q": "lisbon"})
        assert calls["call-2"].entry_id == tree["a"]
        assert count_rows(db_path, "tool_calls") == 2
        assert store.update_tool_call("call-1", status="approved").entry_id is None
        assert store.check() == []


# -- deletion of a thread --


def test_deleting_a_thread_takes_its_agent_state_and_only_its_own(store, db_path, tree, other_thread):
    for tid in ("t", "other"):
        entry = store.append(tid, "user", "x")
        store.save_checkpoint(tid, "pinned", 1, entry_id=entry.id)
        store.save_checkpoint(tid, "loose", 2, parent_checkpoint_id="pinned")
        for _ in range(3):
            store.append_event(tid, "e")
        store.delete_events_before(tid, 2)  # an event_floors row too
        store.create_tool_call(tid, f"call-{tid}", "tool", {}, entry_id=entry.id)
        store.create_tool_call(tid, f"loose-{tid}", "tool", {})
    assert {table: count_rows(db_path, table, "t") for table in STATE_TABLES} == {
        "checkpoints": 2, "events": 2, "event_floors": 1, "tool_calls": 2
    }
    store.delete_thread("t")
    assert {table: count_rows(db_path, table, "t") for table in STATE_TABLES} == dict.fromkeys(STATE_TABLES, 0)
    assert {table: count_rows(db_path, table, "other") for table in STATE_TABLES} == {
        "checkpoints": 2, "events": 2, "event_floors": 1, "tool_calls": 2
    }
    assert store.check() == []
    # A new thread of the same id starts afresh: its events count from 1 again.
    store.create_thread(thread_id="t")
    assert store.append_event("t", "e") == 1
    assert store.list_checkpoints("t") == [] and store.tool_calls("t") == []


# -- rules the schema holds without the Python checks --


class TestSchemaRules:
    """Raw SQL on the file, bypassing threadtree: each rule must be enforced by SQLite."""

    @pytest.fixture
    def raw(self, store, db_path, tree, other_thread):
        store.append("other", "user", "theirs")
        store.save_checkpoint("t", "p", 0)
        store.create_tool_call("t", "c", "tool", {})
        self.error = constraint_error(db_path)
        self.postgres = not isinstance(db_path, os.PathLike)
        conn = raw_connection(db_path)
        yield conn
        conn.close()

    def foreign_entry(self, raw):
        return raw.execute("select id from entries where thread_id = 'other'").fetchone()[0]

    def test_a_checkpoint_cannot_be_pinned_to_another_threads_entry(self, raw):
        with pytest.raises(self.error, match="(?i)foreign key"):
            raw.execute("insert into checkpoints values ('t', 'x', ?, null, '1', 0, 99)", (self.foreign_entry(raw),))

    def test_a_parent_checkpoint_must_exist_in_the_thread(self, raw):
        with pytest.raises(self.error, match="parent checkpoint must exist"):
            raw.execute("insert into checkpoints values ('other', 'x', null, 'p', '1', 0, 1)")
        with pytest.raises(self.error, match="parent checkpoint must exist"):
            raw.execute("update checkpoints set parent_checkpoint_id = 'missing' where checkpoint_id = 'p'")

    def test_a_checkpoint_is_not_its_own_parent(self, raw):
        with pytest.raises(self.error, match="(?i)check"):
            raw.execute("update checkpoints set parent_checkpoint_id = 'p' where checkpoint_id = 'p'")

    def test_save_order_is_unique_per_thread(self, raw):
        with pytest.raises(self.error, match="(?i)unique"):
            raw.execute("insert into checkpoints values ('t', 'x', null, null, '1', 0, 1)")

    @pytest.mark.parametrize("seq, type", [(0, "e"), (1, ""), (1, None)])
    def test_events_have_a_positive_seq_and_a_type(self, raw, seq, type):
        with pytest.raises(self.error):
            raw.execute("insert into events values ('t', ?, ?, null, 0)", (seq, type))

    def test_an_event_seq_is_taken_once(self, raw):
        raw.execute("insert into events values ('t', 1, 'e', null, 0)")
        with pytest.raises(self.error, match="(?i)unique"):
            raw.execute("insert into events values ('t', 1, 'e', null, 0)")

    def test_a_tool_calls_entry_is_in_its_thread(self, raw):
        # SQLite's trigger names the rule; PostgreSQL holds it by the composite foreign key.
        with pytest.raises(self.error, match="foreign key" if self.postgres else "entry of its thread"):
            raw.execute("update tool_calls set entry_id = ? where call_id = 'c'", (self.foreign_entry(raw),))

    @pytest.mark.parametrize("status", ["completed", "executing", "failed"])
    def test_a_pending_call_moves_only_to_approved_or_denied(self, raw, status):
        with pytest.raises(self.error):
            raw.execute("update tool_calls set status = ?, started_at = 1, completed_at = 1 where call_id = 'c'", (status,))

    @pytest.mark.parametrize("assignment", [
        "result = '1'", "error = 'x'", "started_at = 1", "completed_at = 1",
    ])
    def test_columns_follow_the_status(self, raw, assignment):
        with pytest.raises(self.error, match="(?i)check"):
            raw.execute(f"update tool_calls set {assignment} where call_id = 'c'")

    def test_a_status_is_one_of_the_six(self, raw):
        with pytest.raises(self.error, match="(?i)check"):
            raw.execute("insert into tool_calls (call_id, thread_id, name, parameters, status, created_at, updated_at) "
                        "values ('n', 't', 'tool', '{}', 'bogus', 0, 0)")

    def test_a_call_id_is_unique_across_threads(self, raw):
        with pytest.raises(self.error, match="(?i)unique"):
            raw.execute("insert into tool_calls (call_id, thread_id, name, parameters, created_at, updated_at) "
                        "values ('c', 'other', 'tool', '{}', 0, 0)")


# -- queries --

# Every query file of the mixin is run with exactly its bindings by
# tests/test_queries.py::test_every_query_file_is_used_with_exactly_its_bindings.

_WALKS = {"chain", "lineage", "candidates", "pinned", "unpinned", "tree", "CONSTANT"}
_PLANNED = [
    ("checkpoint_save", {"thread_id": "t0", "checkpoint_id": "c", "entry_id": None, "parent_checkpoint_id": None,
                         "state": "1", "now": 0.0}),
    ("checkpoint_get", {"thread_id": "t0", "checkpoint_id": "c"}),
    ("checkpoint_list", {"thread_id": "t0", "limit": 10}),
    ("checkpoint_lineage", {"thread_id": "t0", "checkpoint_id": "c"}),
    ("checkpoint_resume", {"thread_id": "t0", "leaf_id": 3}),
    ("checkpoint_delete", {"thread_id": "t0", "checkpoint_id": "c"}),
    ("event_last_seq", {"thread_id": "t0"}),
    ("event_list", {"thread_id": "t0", "after": 2, "limit": -1}),
    ("event_delete_before", {"thread_id": "t0", "seq": 3}),
    ("tool_call_get", {"call_id": "c"}),
    ("tool_call_in_thread", {"thread_id": "t", "call_id": "c"}),
    ("tool_call_update", {"thread_id": "t", "call_id": "c", "from_status": "pending", "status": "approved", "result": None,
                          "error": None, "now": 0.0}),
    ("tool_call_list", {"thread_id": "t0"}),
    ("tool_call_list_status", {"thread_id": "t0", "status": "pending"}),
    ("delete_subtree", {"entry_id": 2}),  # with the cascades onto checkpoints and tool_calls
    ("delete_thread", {"thread_id": "t0"}),  # with the cascades onto every table of 0005
]


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-stats", "analyzed"])
@pytest.mark.parametrize("name, bindings", _PLANNED, ids=[name for name, _ in _PLANNED])
def test_state_queries_never_scan_a_table(store, name, bindings, analyzed):
    for k in range(30):
        tid = store.create_thread(thread_id=f"t{k}").id
        ids = build(store, tid, [("a", "^"), ("b", "^"), ("c", "a")])
        store.save_checkpoint(tid, "p", 0)
        for j, entry_id in enumerate(ids.values()):
            store.save_checkpoint(tid, f"c{j}", j, entry_id=entry_id, parent_checkpoint_id="p")
            store.create_tool_call(tid, f"{tid}-{j}", "tool", {}, entry_id=entry_id)
            store.append_event(tid, "e")
    if analyzed:
        raw_conn(store).execute("analyze")
    plan = apsw.ext.query_info(raw_conn(store), _sql.query(name), bindings, explain_query_plan=True).query_plan
    lines = list(plan_lines(plan))
    scans = [line.strip() for line in lines if line.strip().startswith("SCAN ")]
    assert all(scan.split()[1] in _WALKS for scan in scans), "\n".join(lines)
    # Every table is reached through a key: rowid, primary key or one of the indexes, with
    # its leading column bound (no range over a whole thread where one row is wanted).
    searches = [line.strip() for line in lines if line.strip().startswith("SEARCH ")]
    assert searches, "\n".join(lines)
    if name in ("checkpoint_lineage", "checkpoint_resume"):
        assert all("(thread_id=?)" not in s for s in searches), "\n".join(lines)
