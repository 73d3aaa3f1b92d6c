"""threadtree.open: where the file goes, how the connection is set up, what it refuses."""

from __future__ import annotations

import os
import pathlib
import sys

import apsw
import pytest

import threadtree
from threadtree import InvalidInput, SchemaError, ThreadTreeError
from threadtree._db.sqlite import SQL as _sql
from threadtree._db.sqlite import APPLICATION_ID

from .helpers import logical_dump, raw_conn


class TestWhereTheFileGoes:
    def test_a_path_string_creates_the_file(self, tmp_path):
        path = tmp_path / "chats.db"
        with threadtree.open(str(path)) as store:
            store.create_thread("hello")
        assert path.exists()

    def test_a_pathlib_path_is_accepted(self, tmp_path):
        with threadtree.open(tmp_path / "chats.db") as store:
            assert store.filename == str(tmp_path / "chats.db")

    def test_a_bytes_path_is_decoded(self, tmp_path):
        with threadtree.open(os.fsencode(tmp_path / "chats.db")) as store:
            assert store.filename == str(tmp_path / "chats.db")

    def test_none_uses_the_environment_variable(self, tmp_path, monkeypatch):
        monkeypatch.setenv("THREADTREE_DB", str(tmp_path / "from-env.db"))
        with threadtree.open() as store:
            store.create_thread("x")
        assert (tmp_path / "from-env.db").exists()
        assert threadtree.default_path() == tmp_path / "from-env.db"

    @pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout is for Linux")
    def test_none_without_environment_uses_the_user_data_dir_and_creates_it(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        expected = tmp_path / "data" / "threadtree" / "threadtree.db"
        assert threadtree.default_path() == expected
        with threadtree.open() as store:
            assert store.filename == str(expected)
        assert expected.exists()

    @pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout is for Linux")
    def test_a_relative_xdg_data_home_is_ignored_as_the_spec_says(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
        assert threadtree.default_path() == pathlib.Path.home() / ".local/share/threadtree/threadtree.db"

    def test_memory_databases_work_and_are_private(self):
        with threadtree.open(":memory:") as one, threadtree.open(":memory:") as two:
            one.create_thread("a", thread_id="a")
            assert one.get_thread("a").title == "a"
            assert two.list_threads() == []


class TestConnectionSettings:
    def test_wal_foreign_keys_and_full_sync_by_default(self, store):
        conn = raw_conn(store)
        assert conn.pragma("journal_mode") == "wal"
        assert conn.pragma("foreign_keys") == 1
        assert conn.pragma("synchronous") == 2  # FULL

    @pytest.mark.parametrize("given, level", [("NORMAL", 1), ("normal", 1), ("FULL", 2), ("Full", 2)])
    def test_synchronous_can_be_chosen(self, db_path, given, level):
        with threadtree.open(db_path, synchronous=given) as store:
            assert raw_conn(store).pragma("synchronous") == level

    def test_the_file_is_marked_and_versioned(self, store, db_path):
        dump = logical_dump(db_path)
        assert dump["application_id"] == APPLICATION_ID
        assert dump["user_version"] == len(_sql.migrations())

    def test_double_quoted_strings_are_errors(self, store):
        with pytest.raises(apsw.SQLError):
            raw_conn(store).execute('select "not a column"').fetchall()

    def test_defensive_mode_blocks_writable_schema(self, store):
        raw_conn(store).execute("pragma writable_schema = on")
        assert raw_conn(store).pragma("writable_schema") == 0

    @pytest.mark.parametrize(
        "kwargs, field",
        [
            ({"synchronous": "OFF"}, "synchronous"),
            ({"synchronous": 2}, "synchronous"),
            ({"timeout": -1}, "timeout"),
            ({"timeout": float("nan")}, "timeout"),
            ({"timeout": "5"}, "timeout"),
            ({"timeout": 10**9}, "timeout"),
        ],
    )
    def test_bad_settings_are_rejected(self, db_path, kwargs, field):
        with pytest.raises(InvalidInput, match=field):
            threadtree.open(db_path, **kwargs)
        assert not db_path.exists()

    @pytest.mark.parametrize("path", [12, ["a.db"], ""])
    def test_bad_paths_are_rejected(self, path):
        with pytest.raises(InvalidInput, match="path"):
            threadtree.open(path)


class TestLifecycle:
    def test_reopening_keeps_the_data(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("kept", thread_id="k")
            store.append("k", "user", "hello")
        with threadtree.open(db_path) as store:
            assert [e.content for e in store.path("k")] == ["hello"]

    def test_close_is_idempotent_and_later_calls_raise(self, db_path):
        store = threadtree.open(db_path)
        store.close()
        store.close()
        with pytest.raises(ThreadTreeError, match="closed"):
            store.list_threads()
        with pytest.raises(ThreadTreeError, match="closed"):
            store.create_thread("x")

    def test_the_context_manager_closes(self, db_path):
        with threadtree.open(db_path) as store:
            pass
        with pytest.raises(ThreadTreeError, match="closed"):
            store.get_thread("x")

    def test_repr_names_the_file(self, db_path):
        store = threadtree.open(db_path)
        assert repr(store) == f"<threadtree.Store filename={str(db_path)!r}>"
        store.close()
        assert repr(store).endswith(" closed>")

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
    def test_a_store_refuses_to_work_in_a_forked_child(self, store, thread):
        pid = os.fork()
        if pid == 0:  # the child: must refuse, and closing must not touch the parent's file
            code = 3
            try:
                store.append(thread.id, "user", "from the child")
            except ThreadTreeError as exc:
                code = 0 if "process" in str(exc) else 4
            finally:
                store.close()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        store.append(thread.id, "user", "from the parent")
        assert [e.content for e in store.path(thread.id)] == ["from the parent"]


class TestFilesThatAreNotOurs:
    """A file threadtree must not touch: SchemaError, and not one byte changed."""

    @staticmethod
    def _snapshot(path):
        """The file and its WAL. (The -shm file is shared memory that every reader updates.)"""
        return {p.name: p.read_bytes() for p in path.parent.iterdir() if not p.name.endswith("-shm")}

    def _assert_refused(self, path, match):
        before = self._snapshot(path)
        with pytest.raises(SchemaError, match=match):
            threadtree.open(path)
        assert self._snapshot(path) == before

    def test_a_garbage_file(self, tmp_path):
        path = tmp_path / "garbage.db"
        path.write_bytes(b"this is not a database at all\n" * 200)
        self._assert_refused(path, "not an SQLite file")

    def test_another_applications_database(self, tmp_path):
        path = tmp_path / "other.db"
        conn = apsw.Connection(str(path))
        conn.execute("create table notes (id integer primary key, body text); insert into notes values (1, 'x')")
        conn.close()
        self._assert_refused(path, "other tables")

    def test_a_database_with_another_application_id(self, tmp_path):
        path = tmp_path / "marked.db"
        conn = apsw.Connection(str(path))
        conn.pragma("application_id", 0x12345678)
        conn.close()
        self._assert_refused(path, "0x12345678")

    def test_a_database_written_by_a_newer_threadtree(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("from the future")
        conn = apsw.Connection(str(db_path))
        conn.pragma("user_version", len(_sql.migrations()) + 1)
        conn.close()
        self._assert_refused(db_path, "newer threadtree")

    def test_a_wal_file_written_by_a_newer_threadtree_stays_as_it_was(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("from the future", thread_id="f")
        keeper = apsw.Connection(str(db_path))  # keeps the -wal and -shm files alive
        keeper.pragma("user_version", 999)
        self._assert_refused(db_path, "newer threadtree")
        keeper.close()

    def test_an_empty_file_becomes_a_new_database(self, tmp_path):
        path = tmp_path / "empty.db"
        path.write_bytes(b"")
        with threadtree.open(path) as store:
            store.create_thread("first")
        assert logical_dump(path)["application_id"] == APPLICATION_ID


class TestFilesThatCannotBeOpened:
    def test_a_directory(self, tmp_path):
        with pytest.raises(ThreadTreeError, match="is a directory"):
            threadtree.open(tmp_path)

    def test_a_missing_folder(self, tmp_path):
        with pytest.raises(ThreadTreeError, match="does not exist"):
            threadtree.open(tmp_path / "missing" / "chats.db")
        assert not (tmp_path / "missing").exists()


class TestReadOnly:
    """readonly=True: the file is read and never changed, not even migrated."""

    def test_reads_work_and_the_file_stays_byte_for_byte(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("t", thread_id="t")
            store.append("t", "user", "hi")
        before = db_path.read_bytes()
        with threadtree.open(db_path, readonly=True) as store:
            assert store.readonly
            assert [e.content for e in store.path("t")] == ["hi"]
            assert store.check() == []
        assert db_path.read_bytes() == before

    @pytest.mark.parametrize(
        "write",
        [
            lambda s: s.create_thread("x"),
            lambda s: s.append("t", "user", "x"),
            lambda s: s.rewind("t", None),
            lambda s: s.delete_thread("t"),
        ],
    )
    def test_writes_are_refused(self, db_path, write):
        with threadtree.open(db_path) as store:
            store.create_thread("t", thread_id="t")
        before = logical_dump(db_path)
        with threadtree.open(db_path, readonly=True) as store:
            with pytest.raises(ThreadTreeError, match="read-only"):
                write(store)
        assert logical_dump(db_path) == before

    def test_a_missing_file_is_not_created(self, tmp_path):
        with pytest.raises(ThreadTreeError, match="no database at"):
            threadtree.open(tmp_path / "missing.db", readonly=True)
        assert not (tmp_path / "missing.db").exists()

    def test_a_file_that_needs_migrating_is_not_migrated(self, db_path, monkeypatch):
        with threadtree.open(db_path) as store:
            store.create_thread("t", thread_id="t")
        real = _sql.migrations()
        monkeypatch.setattr(_sql, "migrations", lambda: (*real, (len(real) + 1, "create table later (x);")))
        before = db_path.read_bytes()
        with pytest.raises(SchemaError, match="needs its schema upgraded"):
            threadtree.open(db_path, readonly=True)
        assert db_path.read_bytes() == before

    def test_an_empty_file_is_not_a_database_yet(self, tmp_path):
        (tmp_path / "empty.db").write_bytes(b"")
        with pytest.raises(SchemaError, match="is empty"):
            threadtree.open(tmp_path / "empty.db", readonly=True)

    def test_the_default_location_is_not_created_when_reading(self, tmp_path, monkeypatch):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        with pytest.raises(ThreadTreeError, match="no database at"):
            threadtree.open(readonly=True)
        assert not (tmp_path / "data").exists()
