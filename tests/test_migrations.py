"""Migrations: numbered sql/ files, applied on open, each in one transaction."""

from __future__ import annotations

import apsw
import pytest

import threadtree
from threadtree._db.sql import SqlFolder
from threadtree._db.sqlite import SQL as _sql

from .helpers import logical_dump, raw_conn


def test_migrations_are_numbered_without_gaps():
    numbers = [number for number, _ in _sql.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_gap_in_the_numbering_is_refused(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_a.sql").write_text("create table a (x);")
    (tmp_path / "migrations" / "0003_c.sql").write_text("create table c (x);")
    with pytest.raises(RuntimeError, match="not numbered"):
        SqlFolder("sqlite", root=tmp_path).migrations()


def test_a_new_migration_is_applied_to_an_existing_file_and_keeps_the_data(db_path, monkeypatch):
    with threadtree.open(db_path) as store:
        store.create_thread("old", thread_id="old")
        store.append("old", "user", "kept")
    real = _sql.migrations()
    extra = (len(real) + 1, "create table later_feature (id integer primary key);")
    monkeypatch.setattr(_sql, "migrations", lambda: (*real, extra))
    with threadtree.open(db_path) as store:
        assert [e.content for e in store.path("old")] == ["kept"]
    dump = logical_dump(db_path)
    assert dump["user_version"] == len(real) + 1
    assert dump["later_feature"] == []


def test_a_failing_migration_leaves_nothing_behind(db_path, monkeypatch):
    with threadtree.open(db_path) as store:
        store.create_thread("old", thread_id="old")
    before = logical_dump(db_path)
    real = _sql.migrations()
    broken = (len(real) + 1, "create table half_done (id integer primary key); select no_such_function();")
    monkeypatch.setattr(_sql, "migrations", lambda: (*real, broken))
    with pytest.raises(apsw.SQLError, match="no_such_function"):
        threadtree.open(db_path)
    assert logical_dump(db_path) == before  # no half_done table, same user_version
    monkeypatch.undo()
    with threadtree.open(db_path) as store:  # the file still opens with the real code
        assert store.get_thread("old").title == "old"


def test_opening_a_current_file_writes_nothing(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread("x", thread_id="x")
    before = logical_dump(db_path)
    data_version = _data_version_after(db_path, lambda: threadtree.open(db_path).close())
    assert data_version == 0
    assert logical_dump(db_path) == before


def _data_version_after(db_path, action) -> int:
    """How many commits another connection made while ``action`` ran (PRAGMA data_version)."""
    watcher = apsw.Connection(str(db_path))
    try:
        start = watcher.pragma("data_version")
        action()
        return watcher.pragma("data_version") - start
    finally:
        watcher.close()


def _schema_sql(db_path) -> list[tuple[str, str]]:
    conn = apsw.Connection(str(db_path))
    try:
        return conn.execute("select name, sql from sqlite_schema order by name").fetchall()
    finally:
        conn.close()


def _schema_edit_then(statement: str) -> str:
    """A migration in 0013's manner: threads' CREATE TABLE edited in place, then ``statement``."""
    return (
        "pragma writable_schema = on;\n"
        "update sqlite_schema set sql = replace(sql, 'title text', 'title  text') where name = 'threads';\n"
        f"pragma writable_schema = reset;\n{statement}"
    )


def test_a_migration_that_edits_the_schema_and_fails_leaves_nothing_behind(db_path, monkeypatch):
    """0013's kind of migration (sqlite_schema edited in place) is all-or-nothing too."""
    with threadtree.open(db_path) as store:
        store.create_thread("old", thread_id="old")
    before, schema = logical_dump(db_path), _schema_sql(db_path)
    real = _sql.migrations()
    broken = (len(real) + 1, _schema_edit_then("select no_such_function();"))
    monkeypatch.setattr(_sql, "migrations", lambda: (*real, broken))
    with pytest.raises(apsw.SQLError, match="no_such_function"):
        threadtree.open(db_path)
    assert logical_dump(db_path) == before and _schema_sql(db_path) == schema
    monkeypatch.undo()
    with threadtree.open(db_path) as store:
        assert store.get_thread("old").title == "old"


def test_only_a_schema_editing_migration_runs_without_the_defensive_setting(db_path, monkeypatch):
    real = _sql.migrations()
    edit = (len(real) + 1, _schema_edit_then("create table later_feature (id integer primary key);"))
    monkeypatch.setattr(_sql, "migrations", lambda: (*real, edit))
    with threadtree.open(db_path) as store:
        conn = raw_conn(store)
        assert "title  text" in conn.execute("select sql from sqlite_schema where name = 'threads'").get
        conn.pragma("writable_schema", True)  # ignored: the connection is defensive again
        with pytest.raises(apsw.Error, match="may not be modified"):
            conn.execute("update sqlite_schema set sql = sql where name = 'threads'")
