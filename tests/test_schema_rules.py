"""The tree rules are held by the database itself, not only by the Python checks.

Every test writes with a plain APSW connection, bypassing threadtree, and expects SQLite to
refuse. Foreign keys need ``PRAGMA foreign_keys = ON`` on the writing connection; the
triggers hold even without it (the sqlite3 shell leaves foreign keys off by default).
"""

from __future__ import annotations

import apsw
import pytest

import threadtree

from .helpers import build, raw_conn, schema_at


@pytest.fixture
def tree(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread("a", thread_id="a")
        store.create_thread("b", thread_id="b")
        ids = build(store, "a", [("a1", "^"), ("a2", "^"), ("a3", "a1")])
        ids |= build(store, "b", [("b1", "^")])
    return ids


@pytest.fixture(params=["foreign keys on", "foreign keys off"])
def raw(request, db_path, tree):
    conn = apsw.Connection(str(db_path))
    conn.pragma("foreign_keys", request.param == "foreign keys on")
    yield conn
    conn.close()


@pytest.fixture
def raw_fk(db_path, tree):
    conn = apsw.Connection(str(db_path))
    conn.pragma("foreign_keys", True)
    yield conn
    conn.close()


def _insert(conn, thread_id, parent_id, depth, *, role="user", content="x", entry_id=None):
    conn.execute(
        "insert into entries (id, thread_id, parent_entry_id, role, content, item, created_at, depth) "
        "values (?, ?, ?, ?, ?, null, 0, ?)",
        (entry_id, thread_id, parent_id, role, content, depth),
    )


class TestOnEveryConnection:
    def test_a_parent_in_another_thread_is_refused(self, raw, tree):
        with pytest.raises(apsw.ConstraintError):
            _insert(raw, "b", tree["a1"], 1)

    def test_a_missing_parent_is_refused(self, raw, tree):
        with pytest.raises(apsw.ConstraintError):
            _insert(raw, "a", 9999, 1)

    @pytest.mark.parametrize("depth", [0, 2, 5])
    def test_a_wrong_depth_under_a_parent_is_refused(self, raw, tree, depth):
        with pytest.raises(apsw.ConstraintError):
            _insert(raw, "a", tree["a2"], depth + (depth == 2))

    def test_a_root_has_depth_zero(self, raw, tree):
        with pytest.raises(apsw.ConstraintError, match="CHECK"):
            _insert(raw, "a", None, 1)

    def test_a_parent_must_be_older_so_no_cycle_can_form(self, raw, tree):
        with pytest.raises(apsw.ConstraintError):
            _insert(raw, "a", tree["a3"], 2, entry_id=tree["a1"] - 1 if tree["a1"] > 1 else 0)

    @pytest.mark.parametrize(
        "change",
        [
            "set parent_entry_id = {a3} where id = {a1}",
            "set thread_id = 'b' where id = {a3}",
            "set depth = 7 where id = {a2}",
            "set id = 999 where id = {a3}",
        ],
    )
    def test_entries_do_not_move(self, raw, tree, change):
        with pytest.raises(apsw.ConstraintError, match="do not move"):
            raw.execute("update entries " + change.format(**tree))

    def test_the_current_leaf_is_an_entry_of_the_thread(self, raw, tree):
        with pytest.raises(apsw.ConstraintError):
            raw.execute("update threads set current_leaf_id = ? where id = 'b'", (tree["a1"],))
        with pytest.raises(apsw.ConstraintError):
            raw.execute("update threads set current_leaf_id = 9999 where id = 'b'")

    def test_a_new_thread_has_no_leaf(self, raw, tree):
        with pytest.raises(apsw.ConstraintError):
            raw.execute(
                "insert into threads (id, metadata, created_at, updated_at, current_leaf_id) "
                "values ('c', '{}', 0, 0, ?)",
                (tree["a1"],),
            )

    @pytest.mark.parametrize(
        "role, content",
        [("", "x"), (None, "x"), (b"user", "x"), ("user", None), ("user", b"blob")],
    )
    def test_role_and_content_are_text(self, raw, tree, role, content):
        """(A number is stored as text by the column's TEXT affinity, so blobs are the test.)"""
        with pytest.raises(apsw.ConstraintError):
            _insert(raw, "a", None, 0, role=role, content=content)

    @pytest.mark.parametrize("thread_id", ["", b"t", None])
    def test_thread_ids_are_non_empty_text(self, raw, thread_id):
        with pytest.raises(apsw.ConstraintError):
            raw.execute("insert into threads (id, metadata, created_at, updated_at) values (?, '{}', 0, 0)", (thread_id,))

    def test_a_valid_raw_insert_is_accepted(self, raw, tree):
        _insert(raw, "a", tree["a2"], 2)


class TestWithForeignKeys:
    def test_a_parent_cannot_be_deleted_from_under_its_children(self, raw_fk, tree):
        raw_fk.execute("update threads set current_leaf_id = ? where id = 'a'", (tree["a3"],))
        with pytest.raises(apsw.ConstraintError, match="FOREIGN KEY"):
            raw_fk.execute("delete from entries where id = ?", (tree["a2"] - 1,))

    def test_the_current_leaf_cannot_be_deleted(self, raw_fk, tree):
        raw_fk.execute("update threads set current_leaf_id = ? where id = 'a'", (tree["a2"],))
        with pytest.raises(apsw.ConstraintError, match="FOREIGN KEY"):
            raw_fk.execute("delete from entries where id = ?", (tree["a2"],))

    def test_entries_go_with_their_thread(self, raw_fk, tree):
        raw_fk.execute("delete from threads where id = 'a'")
        assert raw_fk.execute("select thread_id from entries").fetchall() == [("b",)]

    def test_entry_ids_are_never_reused(self, raw_fk, tree):
        """Without AUTOINCREMENT (migration 0013) SQLite would give the deleted newest id again:
        the floor refuses it, given or not, and the id above it goes in."""
        _insert(raw_fk, "a", None, 0)
        newest = raw_fk.execute("select max(id) from entries").get
        raw_fk.execute("delete from entries where id = ?", (newest,))
        assert raw_fk.execute("select id from entries_floor").get == newest
        for entry_id in (None, newest):
            with pytest.raises(apsw.ConstraintError, match="never given again"):
                _insert(raw_fk, "a", None, 0, entry_id=entry_id)
        assert raw_fk.execute("select max(id) from entries").get == newest - 1
        _insert(raw_fk, "a", None, 0, entry_id=newest + 1)
        assert raw_fk.execute("select max(id) from entries").get == newest + 1

    def test_a_deleted_entry_below_a_newer_one_leaves_the_floor(self, raw_fk, tree):
        """Only the newest ids could come back: deleting older ones writes nothing more."""
        raw_fk.execute("delete from entries where id = ?", (tree["a2"],))
        assert raw_fk.execute("select id from entries_floor").get == 0
        _insert(raw_fk, "a", None, 0)
        assert raw_fk.execute("select max(id) from entries").get == tree["b1"] + 1

    @pytest.mark.parametrize("sql, match", [
        ("delete from entries_floor", "cannot be deleted"),
        ("update entries_floor set id = 0", "only rises"),
        ("insert into entries_floor (only, id) values (2, 9)", "CHECK"),
    ])
    def test_the_floor_stays_one_row_that_only_rises(self, raw_fk, tree, sql, match):
        raw_fk.execute("update entries_floor set id = 5")
        with pytest.raises(apsw.ConstraintError, match=match):
            raw_fk.execute(sql)
        assert raw_fk.execute("select only, id from entries_floor").fetchall() == [(1, 5)]


class TestTheLeavesTable:
    """The leaves table is derived state kept by triggers: after any raw write it must equal
    the entries that have no child, whatever the writer and its foreign-key setting."""

    @staticmethod
    def _assert_leaves_true(conn):
        kept = conn.execute("select thread_id, entry_id from leaves order by 1, 2").fetchall()
        derived = conn.execute(
            "select thread_id, id from entries as e where not exists "
            "(select 1 from entries as c where c.parent_entry_id = e.id) order by 1, 2"
        ).fetchall()
        assert kept == derived

    def test_raw_inserts_keep_it(self, raw, tree):
        _insert(raw, "a", tree["a2"], 2)
        _insert(raw, "b", None, 0)
        _insert(raw, "a", tree["a1"], 1)
        self._assert_leaves_true(raw)

    def test_deleting_a_leaf_makes_its_parent_a_leaf_again(self, raw_fk, tree):
        def kept():
            return raw_fk.execute("select thread_id, entry_id from leaves").fetchall()

        raw_fk.execute("update threads set current_leaf_id = null")
        raw_fk.execute("delete from entries where id = ?", (tree["a2"],))
        assert ("a", tree["a1"]) not in kept()  # a3 is still its child
        raw_fk.execute("delete from entries where id = ?", (tree["a3"],))
        assert ("a", tree["a1"]) in kept()
        self._assert_leaves_true(raw_fk)

    def test_deleting_a_whole_branch_in_one_statement_keeps_it(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread(thread_id="t")
            ids = build(store, "t", [("r", "^"), ("a", "^"), ("b", "^"), ("c", "a"), ("d", "r"), ("e", "d")])
            store.rewind("t", None)
            assert store.delete_branch(ids["a"]) == 3
            self._assert_leaves_true(raw_conn(store))
            assert [e.content for e in store.leaves("t")] == ["e"]
            assert store.delete_branch(ids["d"]) == 2
            assert [e.content for e in store.leaves("t")] == ["r"]
            self._assert_leaves_true(raw_conn(store))

    def test_deleting_a_thread_takes_its_leaves(self, raw_fk, tree):
        raw_fk.execute("delete from threads where id = 'a'")
        assert raw_fk.execute("select distinct thread_id from leaves").fetchall() == [("b",)]
        self._assert_leaves_true(raw_fk)


def test_a_schema_12_file_keeps_its_ids_past_migration_13(db_path):
    """0013 drops AUTOINCREMENT by editing entries' CREATE TABLE in place: the rows stay, the
    ids handed out before (sqlite_sequence's record) stay taken, the connection that migrated
    and every later one write no sqlite_sequence row, and nothing else in the file moves."""
    old = schema_at(db_path, 12)
    old.execute("insert into threads (id, metadata, created_at, updated_at) values ('t', '{}', 0, 0)")
    for k in range(5):
        old.execute(
            "insert into entries (thread_id, parent_entry_id, role, content, created_at, depth) "
            "values ('t', ?, 'user', ?, 0, ?)",
            (k or None, f"entry {k + 1}", k),
        )
    old.execute("delete from entries where id >= 4")  # the newest two: 4 and 5 must not come back
    old.execute("update threads set current_leaf_id = 3 where id = 't'")
    assert old.execute("select seq from sqlite_sequence where name = 'entries'").get == 5
    old.close()
    with threadtree.open(db_path) as store:
        conn = raw_conn(store)
        assert "autoincrement" not in conn.execute("select sql from sqlite_schema where name = 'entries'").get.lower()
        assert conn.execute("select id from entries_floor").get == 5
        assert [e.id for e in store.path("t")] == [1, 2, 3]
        assert store.append("t", "user", "after").id == 6
        assert conn.execute("select count(*) from sqlite_sequence where name = 'entries'").get == 0
        assert conn.execute("pragma integrity_check").get == "ok"
        assert store.check() == []
    with threadtree.open(db_path) as again:
        assert again.append("t", "user", "later").id == 7
        assert raw_conn(again).execute("select count(*) from sqlite_sequence").get == 0


def test_a_connection_open_before_the_migration_sees_it(db_path):
    """Another process's connection, open on schema 12 while this one migrates, reloads the
    schema (the migration moves the schema cookie): its next insert writes no sqlite_sequence
    row and takes no deleted id."""
    schema_at(db_path, 12).close()
    other = apsw.Connection(str(db_path))
    other.execute("insert into threads (id, metadata, created_at, updated_at) values ('t', '{}', 0, 0)")
    with threadtree.open(db_path) as store:
        store.append("t", "user", "one")
        store.append("t", "user", "two")
        store.rewind("t", 1)
        store.delete_branch(2)
    with pytest.raises(apsw.ConstraintError, match="never given again"):
        _insert(other, "t", 1, 1)
    _insert(other, "t", 1, 1, entry_id=3)
    assert other.execute("select count(*) from sqlite_sequence").get == 0
    other.close()
