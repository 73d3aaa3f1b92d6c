"""The leaf-move history: every change of a thread's current leaf, recorded in the same
transaction, and redo, which walks back down to where a rewind left from."""

from __future__ import annotations

import apsw
import pytest

import threadtree
from threadtree import LeafMove, NotFound
from threadtree.formats import Conversation, Node, _engine

from .helpers import BRANCHED, build, raw_conn, schema_at


def moves(store, tid):
    return [(m.seq, m.from_entry_id, m.to_entry_id, m.reason) for m in reversed(store.leaf_history(tid, limit=None))]


def test_every_call_that_moves_the_leaf_is_recorded_with_its_reason(store, thread):
    a = store.append(thread.id, "user", "a")
    b, c = store.extend(thread.id, [{"role": "user", "content": "b"}, {"role": "user", "content": "c"}])
    x = store.fork(a.id, "assistant", "x")
    store.rewind(thread.id, b.id)
    store.rewind(thread.id, b.id)  # not a move: the leaf is already there
    store.delete_branch(b.id)
    store.delete_branch(x.id)  # the leaf (a) is not inside: not a move
    assert moves(store, thread.id) == [
        (1, None, a.id, "append"), (2, a.id, c.id, "extend"), (3, c.id, x.id, "fork"),
        (4, x.id, b.id, "rewind"), (5, b.id, a.id, "delete_branch"),
    ]
    first = store.leaf_history(thread.id)[-1]
    assert isinstance(first, LeafMove) and first.thread_id == thread.id and first.created_at > 0


def test_history_is_newest_first_and_limited(store, thread):
    for k in range(5):
        store.append(thread.id, "user", str(k))
    assert [m.seq for m in store.leaf_history(thread.id, limit=2)] == [5, 4]
    assert len(store.leaf_history(thread.id)) == 5
    with pytest.raises(NotFound):
        store.leaf_history("nope")


def test_a_write_that_fails_records_nothing(store, thread):
    store.append(thread.id, "user", "a")
    with pytest.raises(threadtree.Conflict):
        store.append(thread.id, "user", "b", expected_leaf_id=None)
    assert len(store.leaf_history(thread.id)) == 1


def test_redo_walks_back_one_entry_at_a_time_to_where_the_rewind_left(store, thread):
    ids = [e.id for e in store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])]
    store.rewind(thread.id, ids[1])
    assert store.redo(thread.id).id == ids[2]
    assert store.redo(thread.id).id == ids[3]
    assert store.redo(thread.id).id == ids[4]
    assert store.redo(thread.id) is None
    assert [m.reason for m in store.leaf_history(thread.id, limit=4)] == ["redo", "redo", "redo", "rewind"]


def test_redo_after_rewinding_to_an_empty_path_starts_at_the_root(store, thread):
    ids = [e.id for e in store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(2)])]
    store.rewind(thread.id, None)
    assert store.redo(thread.id).id == ids[0]
    assert store.redo(thread.id).id == ids[1]


def test_redo_goes_through_several_rewinds_in_a_row(store, thread):
    ids = [e.id for e in store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(6)])]
    store.rewind(thread.id, ids[3])
    store.rewind(thread.id, ids[1])
    got = [store.redo(thread.id) for _ in range(5)]
    assert [e.id if e else None for e in got] == [ids[2], ids[3], ids[4], ids[5], None]


def test_new_history_after_a_rewind_ends_redo(store, thread):
    ids = [e.id for e in store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(4)])]
    store.rewind(thread.id, ids[1])
    store.append(thread.id, "user", "a new branch")
    assert store.redo(thread.id) is None
    store.rewind(thread.id, ids[1])  # back again: redo now leads to the new branch, not the old
    assert store.redo(thread.id).content == "a new branch"
    assert store.redo(thread.id) is None


def test_redo_toward_a_deleted_branch_is_nothing_to_redo(store, thread):
    ids = [e.id for e in store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(3)])]
    store.rewind(thread.id, ids[0])
    store.delete_branch(ids[1])
    assert store.redo(thread.id) is None


def test_redo_of_a_thread_without_history_is_none_and_an_unknown_thread_is_not_found(store, thread):
    assert store.redo(thread.id) is None
    with pytest.raises(NotFound):
        store.redo("nope")


def test_a_new_process_can_redo_what_another_rewound(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="t")
        ids = build(store, "t", BRANCHED)
        store.rewind("t", ids["a"])
    with threadtree.open(db_path) as store:
        assert store.redo("t").id == ids["b"]
        assert [e.id for e in store.path("t")] == [ids["a"], ids["b"]]


def test_imports_record_their_leaf_moves(store):
    outcome = _engine.write_conversation(store, Conversation("test", "c", None, [Node("r", None, "user", "q", None)], "r"))
    tid = outcome.thread_id
    _engine.write_conversation(store, Conversation("test", "c", None, [
        Node("r", None, "user", "q", None), Node("a", "r", "assistant", "x", None)], "a"))
    assert [(m.reason, m.from_entry_id is None) for m in reversed(store.leaf_history(tid))] == [
        ("import", True), ("import", False),
    ]


def test_history_goes_with_its_thread(store, thread):
    store.append(thread.id, "user", "a")
    store.delete_thread(thread.id)
    assert raw_conn(store).execute("select count(*) from leaf_moves").get == 0


def test_the_log_and_redo_commands(db_path, capsys):
    import orjson

    from threadtree.cli import main

    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="t")
        ids = [e.id for e in store.extend("t", [{"role": "user", "content": str(k)} for k in range(3)])]
    db = ["--db", str(db_path)]
    assert main([*db, "rewind", "t", "--steps", "2"]) == 0
    assert capsys.readouterr().out == f"{ids[0]}\n"
    assert main([*db, "redo", "t"]) == 0
    assert capsys.readouterr().out == f"{ids[1]}\n"
    assert main([*db, "log", "t"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines] == ["redo", "rewind", "extend"]
    assert lines[0].endswith(f"{ids[0]} -> {ids[1]}") and lines[2].endswith(f"(empty) -> {ids[2]}")
    assert main([*db, "log", "t", "--json", "--limit", "1"]) == 0
    assert orjson.loads(capsys.readouterr().out) == [
        {"thread_id": "t", "seq": 3, "from_entry_id": ids[0], "to_entry_id": ids[1], "reason": "redo",
         "created_at": pytest.approx(store_time(db_path, 3))},
    ]
    assert main([*db, "redo", "t"]) == 0
    capsys.readouterr()
    assert main([*db, "redo", "t"]) == 1
    assert "nothing to redo" in capsys.readouterr().err


def store_time(db_path, seq):
    with threadtree.open(db_path, readonly=True) as store:
        return next(m.created_at for m in store.leaf_history("t") if m.seq == seq)


class TestCheckout:
    """`checkout` was recorded as `rewind`: the log told the user what they had not done."""

    def test_a_checkout_is_recorded_as_one(self, store, thread):
        a, b = store.extend(thread.id, [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])
        x = store.fork(a.id, "assistant", "x")
        assert store.checkout(b.id) == b
        assert store.get_thread(thread.id).current_leaf_id == b.id
        assert moves(store, thread.id)[-1] == (3, x.id, b.id, "checkout")

    def test_redo_walks_back_after_a_checkout_up_the_branch(self, store, thread):
        a, b, c = store.extend(thread.id, [{"role": "user", "content": k} for k in "abc"])
        store.checkout(a.id)
        assert store.redo(thread.id) == b
        assert store.redo(thread.id) == c
        store.fork(a.id, "user", "other")
        other_tip = store.get_thread(thread.id).current_leaf_id
        store.checkout(c.id)  # to another branch: the old leaf is not below it
        assert store.redo(thread.id) is None
        assert store.get_thread(thread.id).current_leaf_id == c.id != other_tip

    def test_checkout_checks_its_input(self, store, thread):
        a = store.append(thread.id, "user", "a")
        with pytest.raises(NotFound):
            store.checkout(a.id + 100)
        with pytest.raises(threadtree.Conflict):
            store.checkout(a.id, expected_leaf_id=a.id + 100)
        with pytest.raises(threadtree.InvalidInput):
            store.checkout("1")

    def test_a_file_from_before_keeps_its_history_and_can_record_checkouts(self, db_path):
        old = schema_at(db_path, 6)  # the file as 0.1.0 wrote it: an extend of a, b, a rewind to a
        old.execute("insert into threads (id, metadata, created_at, updated_at) values ('t', '{}', 0, 0)")
        old.execute(
            "insert into entries (id, thread_id, parent_entry_id, role, content, created_at, depth) "
            "values (1, 't', null, 'user', 'a', 0, 0), (2, 't', 1, 'user', 'b', 0, 1)"
        )
        old.execute("update threads set current_leaf_id = 1 where id = 't'")
        old.execute("insert into leaf_moves values ('t', 1, null, 2, 'extend', 0), ('t', 2, 2, 1, 'rewind', 0)")
        before = [(1, None, 2, "extend"), (2, 2, 1, "rewind")]
        with pytest.raises(apsw.ConstraintError):  # the old table refuses the new reason
            old.execute("insert into leaf_moves values ('t', 3, 1, 2, 'checkout', 0)")
        old.close()
        with threadtree.open(db_path) as store:
            assert moves(store, "t") == before
            store.checkout(2)
            assert moves(store, "t")[-1][3] == "checkout"
            assert store.check() == []


class TestMovesOnEntries:
    """Issue 20: an append's or a fork's leaf move is kept on the entry it made (SQLite,
    migration 0011), not in a row of its own. The history must read exactly as before."""

    def full(self, store, tid):
        return [(m.seq, m.from_entry_id, m.to_entry_id, m.reason, m.created_at) for m in store.leaf_history(tid, limit=None)]

    def mixed(self, store, tid):
        """Every kind of move, appends and forks between the others; returns the entries."""
        a = store.append(tid, "user", "a")
        b = store.append(tid, "user", "b")
        store.rewind(tid, a.id)
        store.redo(tid)
        x = store.fork(a.id, "user", "x")
        y = store.append(tid, "user", "y")
        (c,) = store.extend(tid, [{"role": "user", "content": "c"}])
        z = store.append(tid, "user", "z", parent_id=b.id)  # under another entry than the leaf
        store.rewind(tid, None)
        r = store.fork(a.id, "user", "r")  # from an empty path
        store.checkout(z.id)
        return a, b, x, y, c, z, r

    def test_an_append_or_a_fork_writes_no_row_of_its_own(self, store, thread):
        a = store.append(thread.id, "user", "a")
        store.append(thread.id, "user", "b")
        store.fork(a.id, "user", "x")
        assert raw_conn(store).execute("select count(*) from leaf_moves").get == 0
        assert moves(store, thread.id) == [(1, None, a.id, "append"), (2, a.id, a.id + 1, "append"),
                                           (3, a.id + 1, a.id + 2, "fork")]

    def test_seqs_count_every_move_without_gaps_and_limits_cut_the_newest(self, store, thread):
        self.mixed(store, thread.id)
        full = self.full(store, thread.id)
        assert [m[0] for m in full] == list(range(len(full), 0, -1))
        assert [m[3] for m in reversed(full)] == [
            "append", "append", "rewind", "redo", "fork", "append", "extend", "append", "rewind", "fork", "checkout",
        ]
        for limit in range(1, len(full) + 2):
            assert [(m.seq, m.from_entry_id, m.to_entry_id, m.reason, m.created_at)
                    for m in store.leaf_history(thread.id, limit=limit)] == full[:limit]

    def test_deleted_entries_keep_their_moves_in_the_history(self, store, thread):
        a, b, x, y, c, z, r = self.mixed(store, thread.id)
        before = self.full(store, thread.id)
        store.delete_branch(x.id)
        store.delete_branch(b.id)
        store.delete_branch(r.id)
        after = self.full(store, thread.id)
        assert after[-len(before):] == before
        assert [m[1:4] for m in after[:-len(before)]] == [(z.id, a.id, "delete_branch")]
        assert store.append(thread.id, "user", "next").id == store.leaf_history(thread.id, limit=1)[0].to_entry_id
        assert store.leaf_history(thread.id, limit=1)[0].seq == len(after) + 1

    def test_an_import_after_appends_takes_the_next_seq(self, store):
        outcome = _engine.write_conversation(store, Conversation("test", "c", None, [Node("r", None, "user", "q", None)], "r"))
        tid = outcome.thread_id
        store.append(tid, "user", "mine")
        _engine.write_conversation(store, Conversation("test", "c", None, [
            Node("r", None, "user", "q", None), Node("a", "r", "assistant", "x", None)], "a"))
        assert [(m.seq, m.reason) for m in reversed(store.leaf_history(tid))] == [(1, "import"), (2, "append"), (3, "import")]

    def test_a_file_of_schema_10_moves_its_appends_and_forks_onto_their_entries(self, db_path):
        old = schema_at(db_path, 10)
        old.execute("insert into threads (id, metadata, created_at, updated_at) values ('t', '{}', 0, 0)")
        old.execute(
            "insert into entries (id, thread_id, parent_entry_id, role, content, created_at, depth) values "
            "(1, 't', null, 'user', 'a', 1, 0), (2, 't', 1, 'user', 'b', 2, 1), (3, 't', 2, 'user', 'c', 2, 2),"
            "(4, 't', 1, 'user', 'x', 4, 1), (5, 't', 1, 'user', 'p', 5, 1)"
        )
        old.execute("update threads set current_leaf_id = 1 where id = 't'")
        rows = [
            ("t", 1, None, 1, "append", 1.0), ("t", 2, 1, 3, "extend", 2.0), ("t", 3, 3, 4, "fork", 4.0),
            ("t", 4, 4, 5, "append", 5.0),  # an append under another entry than the leaf: stays a row
            ("t", 5, 5, 1, "rewind", 6.0),
        ]
        old.executemany("insert into leaf_moves values (?, ?, ?, ?, ?, ?)", rows)
        old.close()
        with threadtree.open(db_path) as store:
            assert self.full(store, "t") == [(seq, a, b, reason, at) for _, seq, a, b, reason, at in reversed(rows)]
            conn = raw_conn(store)
            assert conn.execute("select seq from leaf_moves order by seq").fetchall() == [(2,), (4,), (5,)]
            assert conn.execute("select id, move_seq, move_from from entries where move_seq is not null").fetchall() == [
                (1, 1, None), (4, 3, 3),
            ]
            assert store.redo("t").id == 5  # redo walks back to where the rewind left from
            assert store.append("t", "user", "d").parent_id == 5
            assert [(m.seq, m.reason) for m in store.leaf_history("t", limit=2)] == [(7, "append"), (6, "redo")]
            assert store.check() == []

    def test_the_database_keeps_the_rule_for_any_connection(self, store, thread):
        a = store.append(thread.id, "user", "a")
        conn = raw_conn(store)
        with pytest.raises(apsw.ConstraintError, match="history"):
            conn.execute("update entries set move_seq = 9 where id = ?", (a.id,))
        # A move that does not fit the rule (another time than the entry's) is kept as a row.
        conn.execute("insert into leaf_moves values (?, 2, null, ?, 'append', 0)", (thread.id, a.id))
        assert conn.execute("select count(*) from leaf_moves").get == 1

    def test_a_limited_history_reads_no_further_than_its_moves(self, store, thread):
        """The moves kept on entries are found by walking the thread's newest entries: after
        big extends (whose entries keep no move) a limited history must not walk them all."""
        store.append(thread.id, "user", "first")
        for _ in range(4):
            store.extend(thread.id, [{"role": "user", "content": "x"}] * 5_000)
        store.append(thread.id, "user", "last")
        steps = []
        conn = raw_conn(store)
        conn.set_progress_handler(lambda: bool(steps.append(1)), 100)  # a call every 100 VM steps
        try:
            history = store.leaf_history(thread.id, limit=3)
        finally:
            conn.set_progress_handler(None)
        assert [m.reason for m in history] == ["append", "extend", "extend"]
        assert len(steps) < 50, f"{len(steps) * 100} steps for 3 moves"

    def test_any_limit_gives_the_newest_moves_of_the_whole_history(self, store, thread):
        import random

        rng = random.Random(20)
        ids = [store.append(thread.id, "user", "root").id]
        for _ in range(120):
            op = rng.random()
            if op < 0.35:
                ids.append(store.append(thread.id, "user", "a").id)
            elif op < 0.5:
                ids.append(store.fork(rng.choice(ids), "user", "f").id)
            elif op < 0.6:
                ids += [e.id for e in store.extend(thread.id, [{"role": "user", "content": "e"}] * rng.randint(1, 5))]
            elif op < 0.75:
                store.rewind(thread.id, rng.choice(ids + [None]))
            elif op < 0.85:
                store.redo(thread.id)
            elif len(ids) > 3:
                store.delete_branch(rng.choice(ids[1:]))
                ids = [e.id for e in store.entries(thread.id)]
        full = store.leaf_history(thread.id, limit=None)
        assert [m.seq for m in full] == list(range(len(full), 0, -1))
        for limit in (1, 2, 3, 5, 8, 13, 40, len(full), len(full) + 1):
            assert store.leaf_history(thread.id, limit=limit) == full[:limit]
