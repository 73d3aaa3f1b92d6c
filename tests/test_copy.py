"""threadtree.copy_database and ``threadtree copy-database``: a whole database into an empty one,
SQLite and PostgreSQL either way, nothing lost, nothing written on a refusal or a failure.

The PostgreSQL tests use the server of ``$THREADTREE_TEST_POSTGRES`` (tests/engines.py: a
schema of their own each) and skip without it (fail under CI)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import apsw
import pytest

import threadtree
from threadtree._db.copy import DERIVED, DERIVED_COLUMNS, TABLES
from threadtree.store import database_of

from . import engines
from .helpers import BRANCHED, ENGINE_TABLES, build, canonical_dump, logical_dump, on_a_terminal

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg(request):
    """A function giving a fresh, empty PostgreSQL schema's URL each call."""

    def make() -> str:
        schema = engines.Schema()
        request.addfinalizer(schema.drop)
        return schema.url

    return make


def populate(store: threadtree.Store) -> None:
    """Something in every table, and the odd cases of each: branches, a deleted branch (ids
    above the last entry), hidden entries, items stored with their text once, usage, source
    ids, an imported thread, a copy and a merge, labels, leaf history with left leaves, a
    re-saved parent checkpoint (newer than its child), a compacted event log, tool calls in
    several states, tools, jobs, runs with marks of a deleted branch, an archived thread, and
    a deleted thread that held the newest entry id."""
    tid = store.create_thread("Ünïcode title 🌳", thread_id="main", metadata={"k": [1, 2.5, None]}).id
    ids = build(store, tid, BRANCHED)
    message = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "said once"}]}
    store.append(tid, "assistant", "said once", item=message, usage={"input_tokens": 3, "output_tokens": 5})
    store.append(tid, "system", "plumbing", hidden=True, source_id="src-1")
    store.rewind(tid, ids["b"])
    store.redo(tid)
    store.checkout(ids["d"])
    store.switch(ids["e"])
    store.set_label(ids["d"], "good")
    store.set_label(ids["y"], "other")
    copy = store.copy_thread(ids["d"], start_id=ids["b"], title="a copy")
    store.merge(store.get_thread(copy.id).current_leaf_id, "summary", thread_id=tid)
    store.save_checkpoint(tid, "p", {"step": 0})
    store.save_checkpoint(tid, "c", [1], entry_id=ids["a"], parent_checkpoint_id="p")
    store.save_checkpoint(tid, "p", {"step": 2})  # the parent is now newer than its child
    for k in range(4):
        store.append_event(tid, "tick", {"k": k})
    store.delete_events_before(tid, 5)  # every event gone: the floor keeps the last seq
    store.append_event(copy.id, "kept", None)
    store.create_tool_call(tid, "call-1", "search", {"q": "x"}, entry_id=ids["a"])
    store.create_tool_call(tid, "call-2", "fetch", {})
    store.update_tool_call("call-2", status="approved")
    store.update_tool_call("call-2", status="executing")
    store.update_tool_call("call-2", status="completed", result={"ok": True})
    store.set_tools(tid, [{"name": "search", "parameters": {}}, {"name": "fetch"}])
    store.upsert_job("job-1", "import", "running", progress=12.5)
    run = store.start_run(tid, "wf", "the goal", input_hash="h")
    store.start_branch(run.run_id, ids["b"])
    store.start_branch(run.run_id, ids["x"])
    store.finish_branch(run.run_id, ids["b"], "completed", result=1)
    store.record_leaf_run(run.run_id, "task", input_hash="i", entry_id=ids["b"], output={"o": 1})
    store.record_leaf_run(run.run_id, "task", input_hash="j", status="failed", error="boom")
    candidates = [{"entry_id": ids["b"], "score": 1}, {"entry_id": ids["e"], "score": 0.5, "passed": False}]
    store.decide(run.run_id, ids["a"], candidates, select=[ids["b"]])
    store.delete_branch(ids["x"])  # marks the run's records
    store.delete_branch(ids["e"])  # and a candidate's
    imported = store.create_thread("imported", thread_id="imp")
    store.append(imported.id, "user", "from elsewhere", source_id="m1")
    store.archive_thread(imported.id)
    store.create_thread(thread_id="empty")
    gone = store.create_thread(thread_id="gone").id
    store.append(gone, "user", "the newest id, deleted")
    store.delete_thread(gone)


def high_water(db_path) -> int:
    """The next entry id the database hands out, found by appending (then deleting) one."""
    with threadtree.open(db_path) as store:
        tid = store.create_thread().id
        entry = store.append(tid, "user", "probe")
        store.delete_thread(tid)
        return entry.id


def without_search_index(dump):
    """A logical dump without the full-text index's own tables: its pages depend on the
    order and batches entries came in, not on what they hold (check() compares it)."""
    return {name: rows for name, rows in dump.items() if not name.startswith("entries_search")}


def test_sqlite_to_postgresql_to_sqlite_keeps_everything(tmp_path, pg):
    a, b, url = tmp_path / "a.db", tmp_path / "b.db", pg()
    with threadtree.open(a) as store:
        populate(store)
        searched = [(h.entry.id, h.snippet) for h in store.search("said")]
    before = canonical_dump(a)
    assert all(before[name] for name, _ in TABLES), [name for name, _ in TABLES if not before[name]]
    counts = threadtree.copy_database(a, url)
    assert counts == {name: len(before[name]) for name, _ in TABLES}
    assert canonical_dump(url) == before
    threadtree.copy_database(url, b)
    assert canonical_dump(b) == before
    assert without_search_index(logical_dump(b)) == without_search_index(logical_dump(a))
    with threadtree.open(b) as store:
        assert store.check() == []
        assert [(h.entry.id, h.snippet) for h in store.search("said")] == searched
    with threadtree.open(url) as store:
        assert store.check() == []
    # New ids go on above every id the first file handed out, the deleted branch's included.
    assert high_water(a) == high_water(url) == high_water(b)


def test_sqlite_to_sqlite_and_postgresql_to_postgresql(tmp_path, pg):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with threadtree.open(a) as store:
        populate(store)
    threadtree.copy_database(a, b)
    assert without_search_index(logical_dump(b)) == without_search_index(logical_dump(a))
    first, second = pg(), pg()
    threadtree.copy_database(a, first)
    threadtree.copy_database(first, second)
    assert logical_dump(second) == logical_dump(first)
    assert high_water(a) == high_water(b) == high_water(first) == high_water(second)


def test_open_stores_can_be_given(tmp_path):
    with threadtree.open(tmp_path / "a.db") as a, threadtree.open(":memory:") as b:
        populate(a)
        threadtree.copy_database(a, b)
        assert b.path("main") == a.path("main")
        assert not b.readonly and a.list_threads()  # both still open


def test_an_empty_database_copies_to_an_empty_database(tmp_path):
    threadtree.open(tmp_path / "a.db").close()
    assert set(threadtree.copy_database(tmp_path / "a.db", tmp_path / "b.db").values()) == {0}
    assert threadtree.open(tmp_path / "b.db").list_threads() == []


# -- refusals: nothing is written --


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_a_destination_that_is_not_empty_is_refused_unchanged(tmp_path, pg, where):
    source = tmp_path / "a.db"
    with threadtree.open(source) as store:
        populate(store)
    destination = tmp_path / "b.db" if where == "sqlite" else pg()
    with threadtree.open(destination) as store:
        store.upsert_job("only-a-job", "n", "queued")  # a job alone makes it not empty
    before = logical_dump(destination)
    with pytest.raises(threadtree.Conflict, match="is not empty"):
        threadtree.copy_database(source, destination)
    assert logical_dump(destination) == before


def test_an_unknown_source_is_refused_and_no_destination_is_made(tmp_path):
    with pytest.raises(threadtree.ThreadTreeError, match="no database at"):
        threadtree.copy_database(tmp_path / "missing.db", tmp_path / "b.db")
    assert not (tmp_path / "b.db").exists()


def test_a_file_of_another_tool_is_refused(tmp_path):
    other = apsw.Connection(str(tmp_path / "other.db"))
    other.execute("create table notes (x)")
    other.close()
    with pytest.raises(threadtree.SchemaError):
        threadtree.copy_database(tmp_path / "other.db", tmp_path / "b.db")


def test_the_same_database_twice_is_refused(tmp_path, pg):
    source = tmp_path / "a.db"
    with threadtree.open(source) as store:
        populate(store)
    before = logical_dump(source)
    os.symlink(source, tmp_path / "link.db")
    for destination in (source, tmp_path / "link.db", str(tmp_path / "." / "a.db")):
        with pytest.raises(threadtree.InvalidInput, match="same database"):
            threadtree.copy_database(source, destination)
    with threadtree.open(source) as store, pytest.raises(threadtree.InvalidInput, match="same database"):
        threadtree.copy_database(store, store)
    assert logical_dump(source) == before
    url = pg()
    with pytest.raises(threadtree.InvalidInput, match="same database"):
        threadtree.copy_database(url, url.replace("postgresql://", "postgres://"))


def test_a_value_postgresql_cannot_hold_fails_the_whole_copy(tmp_path, pg):
    """A NUL in an entry's text (SQLite stores it, PostgreSQL text cannot): the threads were
    already written when the entries failed, and none of them stays."""
    source, url = tmp_path / "a.db", pg()
    with threadtree.open(source) as store:
        populate(store)
        store.append("main", "user", "a \x00 in the middle")
    threadtree.open(url).close()  # its schema: what opening a new database makes
    before = logical_dump(url)
    with pytest.raises(threadtree.InvalidInput, match="copying entries: PostgreSQL text cannot hold NUL"):
        threadtree.copy_database(source, url)
    assert logical_dump(url) == before
    with threadtree.open(url) as store:
        assert store.list_threads() == []


def test_a_failure_midway_into_sqlite_writes_nothing(tmp_path, pg):
    """PostgreSQL keeps tool call ids per thread (for Citus), SQLite per file: two threads
    with one call id, made behind the store's back, fail the copy at tool_calls, after the
    threads and entries went in; the new file stays empty, and a copy into it can be retried."""
    url, destination = pg(), tmp_path / "b.db"
    with threadtree.open(url) as store:
        populate(store)
        store.create_tool_call("imp", "other", "x", {})
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update tool_calls set call_id = 'call-1' where call_id = 'other'")
    with pytest.raises(threadtree.Conflict):
        threadtree.copy_database(url, destination)
    with threadtree.open(destination) as store:
        assert store.list_threads(include_archived=True) == []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update tool_calls set call_id = 'other' where thread_id = 'imp'")
    threadtree.copy_database(url, destination)
    assert canonical_dump(destination) == canonical_dump(url)


# -- every table is copied --


def _sqlite_tables(path) -> dict[str, list[str]]:
    threadtree.open(path).close()
    conn = apsw.Connection(str(path))
    names = [n for (n,) in conn.execute("select name from sqlite_schema where type = 'table'")]
    return {n: [row[1] for row in conn.execute(f"pragma table_info('{n}')")] for n in names}


def _postgres_tables(url) -> dict[str, list[str]]:
    import psycopg

    threadtree.open(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "select table_name, column_name, is_generated from information_schema.columns"
            " join information_schema.tables using (table_schema, table_name)"
            " where table_schema = current_schema() and table_type = 'BASE TABLE' order by ordinal_position"
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column, generated in rows:
        columns = tables.setdefault(table, [])
        if generated != "ALWAYS":  # computed from the others: never written
            columns.append(column)
    return tables


def _check_coverage(tables: dict[str, list[str]]) -> None:
    copied = dict(TABLES)
    derived = {n for n in tables if n.startswith(tuple(DERIVED))}
    assert set(tables) - derived == set(copied), "a table that copy_database neither copies nor lists in DERIVED"
    for name, columns in copied.items():
        assert set(columns) == {c for c in tables[name] if (name, c) not in DERIVED_COLUMNS}, name
    assert set(ENGINE_TABLES) <= set(DERIVED)


def test_every_sqlite_table_and_column_is_copied(tmp_path):
    _check_coverage(_sqlite_tables(tmp_path / "a.db"))


def test_every_postgresql_table_and_column_is_copied(pg):
    _check_coverage(_postgres_tables(pg()))


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_copy_queries_name_the_columns_of_the_table_list(dialect):
    """copy_read_<table> selects, and copy_write_<table> writes, the columns of TABLES in
    their order (the rows move as tuples between the two)."""
    folder = ROOT / "sql" / dialect / "queries"
    for name, columns in TABLES:
        read = (folder / f"copy_read_{name}.sql").read_text()
        write = (folder / f"copy_write_{name}.sql").read_text()
        assert re.search(r"^select (.*)$", read, re.M).group(1).split(", ") == list(columns), name
        assert re.search(rf"^(?:insert into|copy) {name} \((.*)\)", write, re.M).group(1).split(", ") == list(columns)


# -- the command line --


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "threadtree", *args], capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_the_command_copies_and_refuses_in_one_line(tmp_path, pg):
    source, url = tmp_path / "a.db", pg()
    with threadtree.open(source) as store:
        populate(store)
    secret = url.replace("threadtree@", "threadtree:hunter2@", 1)
    done = _cli("copy-database", str(source), secret)
    assert done.returncode == 0, done.stderr
    assert re.match(r"copied \d+ rows \(4 threads, \d+ entries, .*\) from .* to .*threadtree:\*\*\*@", done.stdout)
    assert "hunter2" not in done.stdout + done.stderr
    again = _cli("copy-database", str(source), secret)
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.startswith("threadtree: error: ") and "is not empty" in again.stderr
    assert again.stderr.count("\n") == 1 and "hunter2" not in again.stderr
    back = _cli("copy-database", secret, str(tmp_path / "b.db"), "--json")
    assert back.returncode == 0, back.stderr
    assert canonical_dump(tmp_path / "b.db") == canonical_dump(source)
    assert _cli("copy-database", str(source)).returncode == 2  # DST missing: a usage error
    # `copy ENTRY` is still copy_thread's.
    copied = _cli("--db", str(source), "copy", "1", "--title", "t")
    assert copied.returncode == 0, copied.stderr


def test_a_copied_database_works_on(tmp_path, pg):
    """Writes after the copy: the leaf moves on from the copied one, compare-and-set sees
    it, checkpoints resume, events and tool calls go on numbering, in both engines."""
    source = tmp_path / "a.db"
    with threadtree.open(source) as store:
        populate(store)
        leaf = store.get_thread("main").current_leaf_id
        resumed = store.load_checkpoint("main")
    for destination in (tmp_path / "b.db", pg()):
        threadtree.copy_database(source, destination)
        with threadtree.open(destination) as store:
            assert store.get_thread("main").current_leaf_id == leaf
            entry = store.append("main", "user", "after", expected_leaf_id=leaf)
            assert entry.parent_id == leaf
            assert store.append_event("main", "tick") == 5
            assert store.load_checkpoint("main") == resumed
            store.create_tool_call("main", "call-3", "t", {})
            assert [c.call_id for c in store.tool_calls("main")] == ["call-1", "call-2", "call-3"]  # id order
            assert database_of(store).features.name in ("sqlite", "postgres")


def test_a_big_copy_into_postgresql_looks_rows_up_by_key(tmp_path, pg):
    """Each copied entry's checks find its parent and its leaf by key, reading a row or two,
    not by walking an index over every entry of the thread that the copy is growing (which
    made a copy quadratic: copy_plans). Counted by the server: rows read from entries."""
    import psycopg

    source, url = tmp_path / "a.db", pg()
    with threadtree.open(source, synchronous="NORMAL") as store:
        tid = store.create_thread().id
        for _ in range(3):
            store.extend(tid, [{"role": "user", "content": "x"}] * 1000)
    threadtree.copy_database(source, url)  # its connection closes: its counts reach the server
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(50):  # the statistics collector may take a moment
            read = conn.execute(
                "select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0), n_tup_ins from pg_stat_user_tables"
                " where schemaname = current_schema() and relname = 'entries'"
            ).fetchone()
            if read[1] == 3000:
                break
            time.sleep(0.1)
    assert read[1] == 3000
    # Measured: 176,000 (the first batch, planned row by row, reads a few pages a row); a
    # lookup walking the thread's entries for every row: 4,500,000.
    assert read[0] < 500_000, read


def test_the_command_refuses_db_beside_its_two_databases(tmp_path):
    """--db names a third database: which would it be? A usage error, and nothing is made."""
    source = tmp_path / "a.db"
    with threadtree.open(source) as store:
        store.append(store.create_thread().id, "user", "hi")
    for argv in [("--db", str(source), "copy-database", str(source), str(tmp_path / "b.db")),
                 ("copy-database", "--db", str(source), str(source), str(tmp_path / "b.db"))]:
        done = _cli(*argv)
        assert done.returncode == 2, done
        assert "copy-database names both databases as SRC and DST; leave out --db" in done.stderr
        assert not (tmp_path / "b.db").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_the_command_shows_its_progress_on_a_terminal_and_erases_it(tmp_path):
    source = tmp_path / "a.db"
    with threadtree.open(source) as store:
        populate(store)
    code, out, terminal = on_a_terminal(["copy-database", str(source), str(tmp_path / "b.db")], tmp_path)
    assert code == 0, terminal
    text = terminal.decode()
    assert re.search(r"\rcopying threads: \d+ rows, [\d,]+ rows/s\x1b\[K", text), text
    assert text.endswith("\r\x1b[K")  # erased before the report
    assert out.startswith("copied ")
    done = _cli("copy-database", str(source), str(tmp_path / "c.db"))  # a pipe: nothing but the report
    assert (done.returncode, done.stderr) == (0, "")
