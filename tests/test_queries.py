"""Reading the trees: path, path_to, messages, children, siblings, leaves, subtree,
common_ancestor; and the sql/ files behind them (used, bound right, index-driven)."""

from __future__ import annotations

import contextlib

import apsw
import apsw.ext
import pytest

import threadtree.formats
from threadtree import InvalidInput, NotFound
from threadtree._db import tree
from threadtree._db.sqlite import SQL as _sql
from threadtree.store import database_of

from .helpers import BRANCHED, build, contents, plan_lines, raw_conn


class TestPath:
    def test_the_live_path_runs_root_to_leaf(self, store, thread, ids):
        assert contents(store.path(thread.id)) == ["a", "b", "x", "y"]

    def test_limit_keeps_the_last_entries_root_first(self, store, thread, ids):
        assert contents(store.path(thread.id, limit=2)) == ["x", "y"]
        assert contents(store.path(thread.id, limit=1)) == ["y"]
        assert contents(store.path(thread.id, limit=100)) == ["a", "b", "x", "y"]

    def test_an_empty_thread_has_an_empty_path(self, store, thread):
        assert store.path(thread.id) == []

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope'"):
            store.path("nope")

    def test_path_to_any_entry(self, store, ids):
        assert contents(store.path_to(ids["d"])) == ["a", "b", "c", "d"]
        assert contents(store.path_to(ids["e"])) == ["a", "e"]
        assert contents(store.path_to(ids["r"])) == ["r"]
        assert contents(store.path_to(ids["d"], limit=3)) == ["b", "c", "d"]

    def test_path_to_an_unknown_entry_is_not_found(self, store):
        with pytest.raises(NotFound, match="entry 404"):
            store.path_to(404)

    def test_a_deep_path_is_complete(self, store, thread):
        added = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5000)])
        path = store.path(thread.id)
        assert path == added
        assert store.path(thread.id, limit=10) == added[-10:]


class TestMessages:
    def test_dict_items_are_returned_as_they_were_stored(self, store, thread):
        tool_call = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]}
        store.append(thread.id, "system", "be brief")
        store.append(thread.id, "assistant", "", item=tool_call)
        store.append(thread.id, "tool", "42", item=["not", "a", "dict"])
        assert store.messages(thread.id) == [
            {"role": "system", "content": "be brief"},
            tool_call,
            {"role": "tool", "content": "42"},
        ]

    def test_limit_and_unknown_threads(self, store, thread):
        store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(4)])
        assert store.messages(thread.id, limit=1) == [{"role": "user", "content": "3"}]
        with pytest.raises(NotFound):
            store.messages("nope")


class TestNeighbours:
    def test_children_in_id_order(self, store, ids):
        assert contents(store.children(ids["a"])) == ["b", "e"]
        assert contents(store.children(ids["b"])) == ["c", "x"]
        assert store.children(ids["d"]) == []

    def test_siblings_include_the_entry(self, store, ids):
        assert contents(store.siblings(ids["c"])) == ["c", "x"]
        assert contents(store.siblings(ids["d"])) == ["d"]

    def test_the_siblings_of_a_root_are_the_roots_of_its_thread(self, store, ids, other_thread):
        store.append(other_thread.id, "user", "other root")
        assert contents(store.siblings(ids["a"])) == ["a", "r"]

    def test_leaves_are_every_branch_tip_in_id_order(self, store, thread, ids):
        assert contents(store.leaves(thread.id)) == ["d", "e", "r", "y"]

    def test_leaves_of_an_empty_thread_and_an_unknown_one(self, store, thread):
        assert store.leaves(thread.id) == []
        with pytest.raises(NotFound, match="'nope'"):
            store.leaves("nope")

    def test_subtree_puts_parents_before_children(self, store, ids):
        assert contents(store.subtree(ids["b"])) == ["b", "c", "d", "x", "y"]
        assert contents(store.subtree(ids["d"])) == ["d"]
        found = store.subtree(ids["a"])
        seen = set()
        for entry in found:
            assert entry.parent_id is None or entry.parent_id in seen
            seen.add(entry.id)
        assert len(found) == 7

    @pytest.mark.parametrize("method", ["children", "siblings", "subtree"])
    def test_unknown_entries_are_not_found(self, store, method):
        with pytest.raises(NotFound, match="entry 404"):
            getattr(store, method)(404)


class TestCommonAncestor:
    @pytest.mark.parametrize(
        "a, b, expected",
        [
            ("d", "y", "b"),
            ("y", "d", "b"),
            ("d", "e", "a"),
            ("c", "d", "c"),  # an ancestor of the other
            ("d", "d", "d"),  # an entry is its own ancestor
            ("a", "y", "a"),
            ("d", "r", None),  # different roots
        ],
    )
    def test_the_deepest_shared_ancestor(self, store, ids, a, b, expected):
        found = store.common_ancestor(ids[a], ids[b])
        assert (found.content if found else None) == expected

    def test_entries_of_different_threads_share_none(self, store, ids, other_thread):
        foreign = store.append(other_thread.id, "user", "x")
        assert store.common_ancestor(ids["a"], foreign.id) is None

    def test_unknown_entries_are_not_found(self, store, ids):
        with pytest.raises(NotFound, match="entry 404"):
            store.common_ancestor(ids["a"], 404)
        with pytest.raises(NotFound, match="entry 404"):
            store.common_ancestor(404, ids["a"])

    def test_ids_are_checked(self, store):
        with pytest.raises(InvalidInput, match="b_id"):
            store.common_ancestor(1, "2")


class _RecordingConnection:
    """Stands in for the store's APSW connection and records (sql, binding names)."""

    def __init__(self, conn):
        self._conn = conn
        self.executed = []

    def execute(self, sql, bindings=None):
        self.executed.append((sql, frozenset(bindings or ())))
        return self._conn.execute(sql, bindings)

    def executemany(self, sql, seq):
        seq = list(seq)
        self.executed.extend((sql, frozenset(bindings)) for bindings in seq)
        return self._conn.executemany(sql, seq)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _every_call(store, copy_database=None):
    """One call of every Store method, enough to run every query file; ``copy_database()`` is
    called while every table holds a row (so that it runs every copy_ query)."""
    thread = store.create_thread("all", thread_id="all")
    ids = build(store, thread.id, BRANCHED)
    store.extend(thread.id, [{"role": "user", "content": "z"}])
    store.get_thread(thread.id)
    store.list_threads(search="a%")
    store.update_thread(thread.id, title="x")
    store.archive_thread(thread.id)
    store.unarchive_thread(thread.id)
    store.get_entry(ids["a"])
    store.path(thread.id)
    store.path_to(ids["d"])
    store.messages(thread.id)
    store.children(ids["a"])
    store.siblings(ids["a"])
    store.leaves(thread.id)
    store.leaves(thread.id, include_hidden=False)
    store.resolve_thread("all")  # an exact id, then a prefix and a title
    store.resolve_thread("x")
    with pytest.raises(threadtree.NotFound):
        store.resolve_thread("nothing-of-that-id")  # a prefix long enough to look for
    with pytest.raises(threadtree.NotFound):
        store.resolve_thread("\U0010ffff" * 4)  # a prefix with nothing above it: no upper bound
    store.subtree(ids["b"])
    store.common_ancestor(ids["d"], ids["y"])
    store.rewind(thread.id, ids["c"])
    store.redo(thread.id)
    store.checkout(ids["d"])
    store.leaf_history(thread.id)
    # Navigation (threadtree/_api/navigation.py): search, labels, branch points, switch,
    # copies, compare, merge, paging.
    store.search("b", thread_id=thread.id)
    store.search('"a b" c')
    store.set_label(ids["d"], "good")
    store.get_label(thread.id, "good")
    store.labels(thread.id)
    store.delete_label(thread.id, "good")
    store.branch_points(thread.id)
    store.switch(ids["e"])
    store.switch(ids["b"])
    copy = store.copy_thread(ids["d"], start_id=ids["b"], title="copy")
    store.forks_of(thread.id)
    store.compare(ids["d"], ids["e"])
    store.merge(store.get_thread(copy.id).current_leaf_id, "summary", thread_id=thread.id)
    store.path(thread.id, limit=2, before=ids["d"])
    store.delete_branch(ids["x"])
    store.graph(thread.id)
    store.render_tree(thread.id)
    store.entries(thread.id)
    store.check(thread.id)
    store.check()
    # Sources: an idempotent append, a lookup, an import and its update, a restore.
    keyed = store.append(thread.id, "user", "keyed", source_id="k1")
    assert store.append(thread.id, "user", "keyed", source_id="k1") == keyed
    store.find_entry(thread.id, "k1")
    _import_twice(store)
    # Agents: usage, the session's read and its compare-and-set move.
    store.append(thread.id, "assistant", "priced", usage={"output_tokens": 3})
    store.usage(thread.id)
    store.usage(thread.id, live_path_only=False)
    db = database_of(store)
    with db.snapshot() as tx:
        tree.live_items(tx, thread.id)
    with db.write() as tx:
        tree.move_leaf_checked(tx, thread.id, ids["a"], store.get_thread(thread.id).current_leaf_id, "rewind")
    # The write after one SQLite rolled back by itself makes the search index forget its state.
    db.engine()._search_stale = True
    store.append(thread.id, "user", "after a failed write")
    # Agent state (threadtree/_api/state.py) and jobs and tools (threadtree/_api/jobs.py).
    store.save_checkpoint(thread.id, "p", 0)
    store.save_checkpoint(thread.id, "c", 1, entry_id=ids["a"], parent_checkpoint_id="p")
    with pytest.raises(InvalidInput):  # p has a child, so its lineage is walked: a cycle
        store.save_checkpoint(thread.id, "p", 0, parent_checkpoint_id="c")
    store.load_checkpoint(thread.id, "c")
    store.load_checkpoint(thread.id)
    store.list_checkpoints(thread.id)
    store.delete_checkpoint(thread.id, "c")
    store.append_event(thread.id, "e", {"x": 1})
    store.append_event(thread.id, "e")
    store.events(thread.id, after=0, limit=5)
    store.delete_events_before(thread.id, 2)
    store.create_tool_call(thread.id, "call", "tool", {}, entry_id=ids["a"])
    store.update_tool_call("call", status="approved")
    store.pending_tool_calls(thread.id)
    store.tool_calls(thread.id)
    store.find_thread("x")
    store.set_tools(thread.id, [{"name": "t"}])
    store.get_tools(thread.id)
    _runs(store, thread.id, ids)
    store.upsert_job("j", "n", "queued")
    store.get_job("j")
    store.list_jobs()
    if copy_database is not None:
        store.set_label(ids["a"], "kept")
        store.save_checkpoint(thread.id, "child", 2, parent_checkpoint_id="p")
        copy_database()
    store.delete_job("j")
    store.delete_thread(thread.id)
    # A damaged leaf, made behind the store's back, makes check() name a row of threads.
    store.create_thread(thread_id="damaged")
    raw = apsw.Connection(store.filename)
    raw.execute("drop trigger threads_leaf_in_thread")
    raw.execute("update threads set current_leaf_id = 12345 where id = 'damaged'")
    raw.close()
    assert {p.kind for p in store.check()} >= {"foreign-key", "missing-leaf"}


def _runs(store, tid, ids):
    """Workflow runs (threadtree/_api/runs.py), their tree marks, and a jsonl dump of them
    restored over itself, then changed and restored again (a run replaced whole)."""
    from threadtree.formats import jsonl

    run = store.start_run(tid, "w", "g", input_hash="h")
    store.update_run(run.run_id, status="paused", metadata={"k": 1})
    store.start_branch(run.run_id, ids["b"])
    store.finish_branch(run.run_id, ids["b"], "completed", result=1)
    store.record_leaf_run(run.run_id, "task", input_hash="i", entry_id=ids["b"], output=1)
    store.record_leaf_run(run.run_id, "task", input_hash="i", entry_id=ids["b"], output=1)  # a retry
    store.finished_leaf_run(run.run_id, "task", "i")
    candidates = [{"entry_id": ids["b"], "score": 1}, {"entry_id": ids["e"], "score": 0.5, "passed": False}]
    store.decide(run.run_id, ids["a"], candidates, select=[ids["b"]])
    store.get_run(run.run_id)
    store.runs(thread_id=tid)
    store.runs(workflow_id="w")
    store.runs(status="paused")
    store.runs()
    store.graph(tid)
    lines = threadtree.formats.export_thread(store, tid, "jsonl")
    runs_at = next(i for i, line in enumerate(lines) if line["type"] == "run")
    block = jsonl.Block("dump", lines[0], lines[1:runs_at], lines[runs_at:])
    assert jsonl.write(store, block).status == "unchanged"
    store.finish_run(run.run_id, "completed")
    outcome = jsonl.write(store, block)
    assert outcome.status == "updated", outcome  # the dump's run, paused, replaces it


def _import_twice(store):
    """An import, then a newer export of the same conversation (one node changed, one new),
    then a jsonl dump of the result restored over itself and into a new thread id."""
    from threadtree.formats import Conversation, Node, _engine, jsonl

    nodes = [Node("r", None, "user", "q", None), Node("a", "r", "assistant", "draft", {"v": 1})]
    _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "a"))
    nodes = [Node("r", None, "user", "q", None), Node("a", "r", "assistant", "final", {"v": 2}), Node("b", "a", "user", "more", None)]
    outcome = _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "b"))
    assert (outcome.status, outcome.added, outcome.changed) == ("updated", 1, 1)
    lines = threadtree.formats.export_thread(store, outcome.thread_id, "jsonl")
    block = jsonl.Block("dump", lines[0], lines[1:])
    assert jsonl.write(store, block).status == "unchanged"
    lines[0] |= {"id": "restored", "source_format": None, "source_id": None}
    assert jsonl.write(store, jsonl.Block("dump", lines[0], lines[1:])).status == "imported"


@contextlib.contextmanager
def _recording(store):
    """Record the SQL the store's connection runs (its ``executed`` list), for the block."""
    tx = database_of(store).engine().tx
    recorder = _RecordingConnection(tx._conn)
    tx._conn = recorder
    try:
        yield recorder
    finally:
        tx._conn = recorder._conn


def test_every_query_file_is_used_with_exactly_its_bindings(store, tmp_path):
    # copy_database reads one store and writes another, which records what it writes; a copy
    # of a database that handed out entry ids but kept no entry starts AUTOINCREMENT's record.
    with (
        threadtree.open(tmp_path / "copy.db") as copy,
        threadtree.open(tmp_path / "ids.db") as ids,
        threadtree.open(":memory:") as emptied,
    ):
        emptied.append(emptied.create_thread(thread_id="gone").id, "user", "x")
        emptied.delete_thread("gone")
        with _recording(store) as recorder, _recording(copy) as copied, _recording(ids) as started:
            _every_call(store, lambda: threadtree.copy_database(store, copy))
            threadtree.copy_database(emptied, ids)
    recorder.executed += copied.executed + started.executed
    by_text = {_sql.query(name): name for name in _sql.query_names()}
    used = {}
    for sql, bound in recorder.executed:
        if sql in by_text:
            used.setdefault(by_text[sql], set()).add(bound)
        else:
            assert sql.split()[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA"), f"inline SQL: {sql!r}"
    assert sorted(used) == _sql.query_names(), "query files never executed"
    for name, bindings in used.items():
        declared = set(apsw.ext.query_info(raw_conn(store), _sql.query(name)).bindings_names)
        assert bindings == {frozenset(declared)}, name


# Scanning a recursive CTE is walking the tree, not a table; a constant row is no table at all;
# leaf_history's CTEs hold at most :limit rows each (and one row), read by key.
_NOT_TABLES = {"chain", "tree", "up", "below", "tip", "top", "lineage", "CONSTANT", "recorded", "made", "last"}

def _index_driven(scan: str) -> bool:
    """A virtual table "scan" that is an index lookup: the search index answering a MATCH (its
    plan's index string holds M), or json_each walking the one JSON value it is given."""
    table, _, rest = scan.split(maxsplit=1)[1].partition(" VIRTUAL TABLE INDEX ")
    return table == "json_each" or (table == "entries_search" and "M" in rest.partition(":")[2])


PLANNED = [
    ("path_to", {"entry_id": 5, "limit": 10}),
    ("children", {"entry_id": 5}),
    ("siblings", {"entry_id": 5}),
    ("leaves", {"thread_id": "t"}),
    ("visible_leaves", {"thread_id": "t"}),
    ("threads_by_id_prefix", {"low": "t1", "high": "t2", "limit": 11}),
    ("threads_from_id", {"low": "t1", "limit": 11}),
    ("tool_call_in_thread", {"thread_id": "t", "call_id": "c"}),
    ("thread_listed", {"thread_id": "t"}),
    ("threads_titled", {"title": "x", "limit": 11}),
    ("subtree", {"entry_id": 5}),
    ("delete_subtree", {"entry_id": 5}),
    ("is_ancestor", {"entry_id": 9, "ancestor_id": 5}),
    ("common_ancestor", {"a_id": 5, "b_id": 9}),
    ("thread_leaf", {"thread_id": "t"}),
    ("thread_leaf_seq", {"thread_id": "t"}),
    ("last_leaf_move", {"thread_id": "t"}),
    ("count_entries", {"thread_id": "t"}),
    ("entry_place", {"entry_id": 5}),
    ("get_entry", {"entry_id": 5}),
    ("find_entry", {"thread_id": "t", "source_id": "x"}),
    ("source_entries", {"thread_id": "t"}),
    ("find_source_thread", {"source_format": "chatgpt", "source_id": "x"}),
    ("leaf_history", {"thread_id": "t", "limit": 50}),
    ("backward_moves", {"thread_id": "t"}),
    ("search_entries", {"phrases": '["a b", "c"]', "thread_id": "t", "include_hidden": 0, "limit": 20}),
    ("live_path_from", {"thread_id": "t", "depth": 3}),
    ("branch_points", {"entry_id": 5}),
    ("switch_target", {"thread_id": "t", "entry_id": 5}),
    ("remember_left_leaf", {"thread_id": "t", "entry_id": 5, "seq": 9}),
    ("label_get", {"thread_id": "t", "name": "n"}),
    ("label_list", {"thread_id": "t"}),
    ("label_delete", {"thread_id": "t", "name": "n"}),
    ("copy_path", {"entry_id": 5, "start_id": None, "start_depth": 0, "first_id": 99, "thread_id": "t2"}),
    ("threads_copied_from", {"thread_id": "t"}),
    ("thread_lineage", {"thread_id": "t"}),
    # Workflow runs: per-thread lookups, and the listings by workflow and status.
    ("run_get", {"run_id": "r"}),
    ("run_list_thread", {"thread_id": "t", "workflow_id": None, "status": None, "limit": 50}),
    ("run_list_workflow", {"workflow_id": "w", "status": None, "limit": 50}),
    ("run_list_status", {"status": "running", "limit": 50}),
    ("branch_get", {"thread_id": "t", "run_id": "r", "entry_id": 5}),
    ("branch_list", {"thread_id": "t", "run_id": "r"}),
    ("leaf_run_finished", {"thread_id": "t", "run_id": "r", "leaf_id": "l", "input_hash": "h"}),
    ("leaf_run_list", {"thread_id": "t", "run_id": "r"}),
    ("decision_at", {"thread_id": "t", "run_id": "r", "entry_id": 5}),
    ("decision_list", {"thread_id": "t", "run_id": "r"}),
    ("candidate_marks", {"thread_id": "t"}),
    ("branch_newest", {"thread_id": "t", "entry_id": 5}),
]


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-stats", "analyzed"])
@pytest.mark.parametrize("name, bindings", PLANNED, ids=[name for name, _ in PLANNED])
def test_queries_never_scan_a_table(store, thread, name, bindings, analyzed):
    """Plans are checked with the planner's defaults and with ANALYZE statistics of a file
    holding many threads: either way, every table access is an index SEARCH."""
    for k in range(40):
        tid = store.create_thread(thread_id=f"t{k}").id
        build(store, tid, [("a", "^"), ("b", "^"), ("c", "a"), ("d", "^")])
    if analyzed:
        raw_conn(store).execute("analyze")
    plan = apsw.ext.query_info(raw_conn(store), _sql.query(name), bindings, explain_query_plan=True).query_plan
    lines = list(plan_lines(plan))
    scans = [line.strip() for line in lines if line.strip().startswith("SCAN ")]
    assert all(scan.split()[1] in _NOT_TABLES or _index_driven(scan) for scan in scans), "\n".join(lines)
    assert any(line.strip().startswith("SEARCH ") for line in lines), "\n".join(lines)


def _a_round_of_calls(store, k: int) -> None:
    """One of nearly every reading and writing call, on a new thread ``t{k}``."""
    tid = store.create_thread("statements", thread_id=f"t{k}").id
    root = store.append(tid, "user", "hello")
    answer = store.append(tid, "assistant", "hello back")
    side = store.fork(root.id, "user", "another way")
    store.append(tid, "user", "on the side")
    store.rewind(tid, root.id)
    store.redo(tid)
    store.extend(tid, [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}])
    store.path(tid), store.path(tid, limit=2), store.leaves(tid), store.entries(tid), store.get_entry(answer.id)
    store.list_threads(limit=10), store.get_thread(tid), store.search("hello")
    store.set_label(answer.id, "answer"), store.labels(tid), store.switch(answer.id), store.leaf_history(tid)
    store.delete_branch(side.id)
    store.append(tid, "user", "once", source_id="s1"), store.append(tid, "user", "once", source_id="s1")


def test_a_statement_is_prepared_once_per_connection(tmp_path):
    """SQLite prepares a statement again when it expects a new binding to change its plan
    (unless SQLITE_DBCONFIG_ENABLE_QPSG), and APSW's cache of 100 statements cannot hold every
    query of sql/sqlite/queries: either way a call paid tens of thousands of instructions for a
    preparation it had paid before. After two rounds of every call (the first search makes its
    temporary index, a change of schema after which every statement is prepared once more),
    the next round prepares nothing: no statement is prepared again, none is missing from the
    cache."""
    with threadtree.open(tmp_path / "x.db") as store:
        conn = raw_conn(store)
        again: dict[str, int] = {}
        seen: dict[int, int] = {}

        def profiled(event) -> None:
            count = event["stmt_status"]["SQLITE_STMTSTATUS_REPREPARE"]
            if count > seen.get(event["id"], count):
                name = event["sql"].strip().splitlines()[0]
                again[name] = again.get(name, 0) + count - seen[event["id"]]
            seen[event["id"]] = count

        conn.trace_v2(apsw.SQLITE_TRACE_PROFILE, profiled)
        _a_round_of_calls(store, 0)
        _a_round_of_calls(store, 1)
        again.clear()
        before = conn.cache_stats()["misses"]
        _a_round_of_calls(store, 2)
        assert again == {}
        assert conn.cache_stats()["misses"] == before
