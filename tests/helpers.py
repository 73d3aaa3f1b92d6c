"""Helpers shared by the tests: logical dumps, tree building, query plans."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw

import threadtree
from threadtree.store import database_of


def logical_dump(db_path: os.PathLike[str] | str) -> dict[str, Any]:
    """Everything a caller could observe in the file: header fields and every row of every
    table, read through a separate connection (so only committed data counts). A
    PostgreSQL URL (tests/engines.py) is dumped the same way, table by table."""
    if _is_url(db_path):
        from .engines import dump

        return dump(db_path)
    conn = apsw.Connection(os.fspath(db_path), flags=apsw.SQLITE_OPEN_READONLY)
    try:
        dump: dict[str, Any] = {
            "user_version": conn.pragma("user_version"),
            "application_id": conn.pragma("application_id"),
        }
        tables = [
            name
            for (name,) in conn.execute(
                "select name from sqlite_schema where type = 'table' order by name"
            )
        ]
        for name in tables:  # sorted here: WITHOUT ROWID tables have no rowid to order by
            rows = conn.execute(f'select * from "{name}"').fetchall()
            dump[name] = sorted(rows, key=lambda row: [(type(v).__name__, 0 if v is None else v) for v in row])
        return dump
    finally:
        conn.close()



# What canonical_dump leaves out: each engine's own bookkeeping (SQLite's AUTOINCREMENT record,
# floor of deleted entry ids and full-text index, PostgreSQL's schema version), which has no
# counterpart on the other.
ENGINE_TABLES = ("sqlite_sequence", "entries_floor", "entries_search", "threadtree_schema")


def canonical_dump(db_path: os.PathLike[str] | str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every threadtree table as ``{column: value}``, comparable across engines:
    booleans as 0/1 (SQLite keeps them so), rows sorted, the engines' own tables left out."""
    if _is_url(db_path):
        import psycopg

        conn: Any = psycopg.connect(os.fspath(db_path), autocommit=True)
        names = [n for (n,) in conn.execute(
            "select table_name from information_schema.tables"
            " where table_schema = current_schema() and table_type = 'BASE TABLE'"
        )]
        # Columns the server computes from the others (the search words of migration 0005).
        generated = set(conn.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = current_schema() and is_generated = 'ALWAYS'"
        ).fetchall())
    else:
        conn = apsw.Connection(os.fspath(db_path), flags=apsw.SQLITE_OPEN_READONLY)
        names = [n for (n,) in conn.execute("select name from sqlite_schema where type = 'table'")]
        generated = set()
    try:
        result = {}
        for name in sorted(n for n in names if not n.startswith(ENGINE_TABLES)):
            cur = conn.execute(f'select * from "{name}"')
            columns = [d[0] for d in cur.description]
            rows = [
                {c: int(v) if isinstance(v, bool) else v for c, v in zip(columns, row) if (name, c) not in generated}
                for row in cur.fetchall()
            ]
            result[name] = sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))
        _moves_as_rows(conn, result, "postgres" if _is_url(db_path) else "sqlite")
        return result
    finally:
        conn.close()


def _moves_as_rows(conn: Any, dump: dict[str, list[dict[str, Any]]], engine: str) -> None:
    """Both engines keep an append's or a fork's leaf move on its entry when it fits (SQLite's
    migration 0011, PostgreSQL's 0008), each by its own rule: put the dump in one shape, the
    leaf history as the rows a copy reads (every move), without the columns that hold moves on
    entries."""
    from threadtree._db.copy import DERIVED_COLUMNS

    if engine == "postgres":
        from threadtree._db.postgres.engine import SQL
    else:
        from threadtree._db.sqlite import SQL

    for name, rows in dump.items():
        for row in rows:
            for column in [c for c in row if (name, c) in DERIVED_COLUMNS]:
                del row[column]
    cur = conn.execute(SQL.query("copy_read_leaf_moves"))
    columns = [d[0] for d in cur.description]
    rows = [dict(zip(columns, row)) for row in cur.fetchall()]
    dump["leaf_moves"] = sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


#   a - b - c - d            appended in this order, then e forked from a, r a second root,
#   |    \                   x forked from b and y appended under it: the live path is
#   |     x - y              a b x y, the leaves d e r y
#   e
#   r
BRANCHED = [("a", "^"), ("b", "^"), ("c", "^"), ("d", "^"), ("e", "a"), ("r", None), ("x", "b"), ("y", "x")]


def build(store: threadtree.Store, thread_id: str, spec: list[tuple[str, Any]]) -> dict[str, int]:
    """Build a tree from ``[(name, parent_name or None or '^'), ...]``.

    ``'^'`` appends under the current leaf, ``None`` starts a root, a name forks under that
    entry. Returns ``name -> entry id``; each entry's content is its name.
    """
    ids: dict[str, int] = {}
    for name, parent in spec:
        if parent == "^":
            entry = store.append(thread_id, "user", name)
        elif parent is None:
            entry = store.append(thread_id, "user", name, parent_id=None)
        else:
            entry = store.fork(ids[parent], "assistant", name)
        ids[name] = entry.id
    return ids


def contents(entries: list[threadtree.Entry]) -> list[str]:
    return [entry.content for entry in entries]


def plan_lines(plan: Any, depth: int = 0) -> Iterator[str]:
    """The lines of an ``apsw.ext`` query plan, indented by nesting."""
    yield "  " * depth + plan.detail
    for step in plan.sub or ():
        yield from plan_lines(step, depth + 1)


def as_thread(conversation: Any, thread_id: str = "th") -> tuple[threadtree.Thread, list[threadtree.Entry]]:
    """What the engine would store for a conversation whose nodes are listed parents first:
    entries numbered in node order. For testing an exporter without a database."""
    numbers = {n.source_id: i for i, n in enumerate(conversation.nodes, start=1)}
    depth: dict[str, int] = {}
    entries = []
    for node in conversation.nodes:
        depth[node.source_id] = 0 if node.parent is None else depth[node.parent] + 1
        entries.append(threadtree.Entry(
            numbers[node.source_id], thread_id, None if node.parent is None else numbers[node.parent],
            node.role, node.content, node.item, node.created_at or 0.0, depth[node.source_id],
            node.source_id, node.hidden,
        ))
    thread = threadtree.Thread(
        thread_id, conversation.title, {"source": conversation.metadata},
        conversation.created_at or 0.0, conversation.updated_at or 0.0, False,
        numbers.get(conversation.current), None, conversation.format, conversation.source_id,
    )
    return thread, entries


def schema_at(db_path: os.PathLike[str] | str, version: int) -> apsw.Connection:
    """A new file at schema ``version``, as the threadtree of that day made it, open for raw
    inserts of its rows: today's code cannot write to an old schema (its queries name newer
    columns), so old files are made with the old migrations and plain SQL."""
    from threadtree._db.sqlite import SQL

    conn = apsw.Connection(os.fspath(db_path))
    conn.pragma("foreign_keys", True)
    for number, script in SQL.migrations()[:version]:
        conn.execute(script)
        conn.pragma("user_version", number)
    return conn


def damage(db_path: os.PathLike[str] | str, *statements: str, params: Any = ()) -> None:
    """Run raw SQL with foreign keys, CHECK constraints and threadtree's triggers off, then put
    the triggers back: what another tool, or a bug, could do to a file. On PostgreSQL
    (a URL) the session runs as a replica, which fires no trigger and so checks no foreign
    key, and CHECK constraints are dropped, then put back NOT VALID (holding for new rows
    only, as SQLite's do after ``ignore_check_constraints``)."""
    if _is_url(db_path):
        conn = connect(db_path)
        try:
            conn.execute("set session_replication_role = replica")
            checks = conn.execute(
                "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint"
                " where contype = 'c' and connamespace = current_schema()::regnamespace"
            ).fetchall()
            for table, name, _ in checks:
                conn.execute(f'alter table {table} drop constraint "{name}"')
            for statement in statements:
                conn.execute(statement, params)
            for table, name, definition in checks:  # NOT VALID: kept for new rows, not checked on old ones
                conn.execute(f'alter table {table} add constraint "{name}" {definition} not valid')
        finally:
            conn.close()
        return
    conn = apsw.Connection(os.fspath(db_path))
    try:
        triggers = conn.execute("select name, sql from sqlite_schema where type = 'trigger'").fetchall()
        conn.pragma("foreign_keys", False)
        conn.pragma("ignore_check_constraints", True)
        for name, _ in triggers:
            conn.execute(f'drop trigger "{name}"')
        for statement in statements:
            conn.execute(statement, params)
        for _, sql in triggers:
            conn.execute(sql)
    finally:
        conn.close()


def fingerprint(db_path: os.PathLike[str] | str) -> Any:
    """What must not change when a command only reads: the file's bytes (stricter than its
    rows: a header field or a page rewritten counts), or on PostgreSQL every row of every table."""
    if _is_url(db_path):
        return logical_dump(db_path)
    return open(db_path, "rb").read()


def sql_folder(db_path: os.PathLike[str] | str) -> Any:
    """The ``SqlFolder`` whose migrations the engine of ``db_path`` runs (to monkeypatch one in)."""
    if _is_url(db_path):
        from threadtree._db.postgres.engine import SQL as postgres_sql

        return postgres_sql
    from threadtree._db.sqlite import SQL as sqlite_sql

    return sqlite_sql


def set_schema_version(db_path: os.PathLike[str] | str, version: int) -> None:
    """Stamp the database with a schema version, as a newer (or older) threadtree would have:
    SQLite's ``user_version``, PostgreSQL's ``threadtree_schema`` row."""
    conn = connect(db_path)
    try:
        if _is_url(db_path):
            conn.execute("update threadtree_schema set version = ?", (version,))
        else:
            conn.pragma("user_version", version)
    finally:
        conn.close()


def _is_url(db_path: os.PathLike[str] | str) -> bool:
    return isinstance(db_path, str) and db_path.startswith("postgresql://")


class Qmark:
    """A psycopg connection that takes SQLite's ``?`` placeholders, so that a test's raw SQL
    runs on either engine (the SQL itself must be valid on both)."""

    def __init__(self, conn: Any, own: bool = False) -> None:
        self._conn = conn
        self._own = own

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), params or None)

    def close(self) -> None:
        if self._own:
            self._conn.close()


def connect(db_path: os.PathLike[str] | str) -> Any:
    """A raw connection of its own to the test's database, for SQL behind the store's back:
    an APSW connection to a file, or (a URL) an autocommitting psycopg one taking ``?``."""
    if _is_url(db_path):
        import psycopg

        return Qmark(psycopg.connect(os.fspath(db_path), autocommit=True), own=True)
    return apsw.Connection(os.fspath(db_path))


class WriteLock:
    """Another connection holding the database's write lock until :meth:`release`, as a
    writer in the middle of a transaction would: on SQLite ``BEGIN IMMEDIATE``; on PostgreSQL
    the threads table locked EXCLUSIVE, which every write of threadtree waits for (each locks
    or changes a row of threads) while reads go on, as SQLite's readers do."""

    def __init__(self, db_path: os.PathLike[str] | str) -> None:
        self._conn = connect(db_path)
        self._conn.execute("begin immediate" if not _is_url(db_path) else "begin")
        if _is_url(db_path):
            self._conn.execute("lock table threads in exclusive mode")

    def release(self) -> None:
        self._conn.execute("commit")

    def close(self) -> None:
        self._conn.close()


def run_together(script: os.PathLike[str] | str, args_per_worker: list[list[str]], timeout: float = 180) -> list[str]:
    """Start ``script`` once per argument list, release the workers at once (each prints
    ``ready`` and waits for ``go`` on stdin), and return each one's output; a worker that
    fails or writes to stderr fails the test."""
    procs = [
        subprocess.Popen(
            [sys.executable, os.fspath(script), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for args in args_per_worker
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, f"worker failed:\n{err}"
            assert err == "", err
            outputs.append(out)
        return outputs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def raw_conn(store: threadtree.Store) -> apsw.Connection:
    """The APSW connection under a store on SQLite, for tests that look below the API (query
    plans, damage made behind the store's back). It is the store's own: take no lock on it.
    On PostgreSQL, the store's psycopg connection, taking ``?`` placeholders."""
    engine = database_of(store).engine()
    if engine.features.name == "postgres":
        return Qmark(engine.connection)
    return engine.connection


def constraint_error(db_path: os.PathLike[str] | str) -> type[Exception] | tuple[type[Exception], ...]:
    """What the raw connection of :func:`connect` raises when the schema refuses a row: a
    constraint or one of threadtree's triggers, and on PostgreSQL a value its column's type
    refuses (text for a number, bytes for text), which SQLite leaves to a CHECK."""
    if _is_url(db_path):
        import psycopg

        errors = psycopg.errors
        return (errors.IntegrityError, errors.RaiseException, errors.DataError, errors.DatatypeMismatch)
    return apsw.ConstraintError


def on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, bytes]:
    """Run the command line with stderr on a pseudo-terminal (stdout on a pipe): exit code,
    stdout, and every byte written to the terminal."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "THREADTREE_DB"} | {"COLUMNS": "200"}
    child = subprocess.Popen([sys.executable, "-m", "threadtree", *args], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    out = child.stdout.read().decode()
    return child.wait(timeout=60), out, seen
