"""Connecting to a PostgreSQL server: settings, the schema check, and migrations.

The schema version sits in a one-row table, ``threadtree_schema`` (PostgreSQL has no
``user_version``); migrations of ``sql/postgres/migrations`` run each in one transaction that
first takes an advisory lock, so two processes opening a new database at once migrate it once.
A database at a newer version than this code knows is refused before anything is written, as
on SQLite; read-only, so is one that needs migrating. Nothing of the URL but its redacted form
(:func:`~.url.redact`) reaches a message.
"""

from __future__ import annotations

from typing import Any

from ...errors import SchemaError, ThreadTreeError
from .url import redact

try:
    import psycopg
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ThreadTreeError("a postgresql:// database needs psycopg 3: pip install 'threadtree[postgres]'") from exc

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .engine import SQL, PostgresEngine

__all__ = ["MIGRATION_LOCK", "connect"]

MIGRATION_LOCK = 0x74687472  # 'thtr': the advisory lock migrations take

_VERSION_TABLE = (
    "create table if not exists threadtree_schema ("
    " one boolean primary key default true check (one), version integer not null)"
)


def connect(url: str, *, synchronous: str, timeout: float, readonly: bool) -> PostgresEngine:
    """An open, checked, migrated connection to the database ``url`` names.

    :raises ThreadTreeError: the server cannot be reached or refuses the login.
    :raises SchemaError: not a threadtree database, or a newer one (read-only: an older or empty one).
    """
    target = redact(url)
    settings = {
        # FULL: a commit returns once the server has flushed it; NORMAL: the server may lose the
        # last commits in a crash (never corrupt), as SQLite's synchronous=NORMAL.
        "synchronous_commit": "on" if synchronous == "FULL" else "off",
        "lock_timeout": f"{max(1, int(timeout * 1000))}ms",
        "default_transaction_read_only": "on" if readonly else "off",
        "client_min_messages": "warning",
    }
    options = " ".join(f"-c {key}={value}" for key, value in settings.items())
    try:
        params = conninfo_to_dict(url)
        # The URL's own options (a search_path, say) come last, so they win.
        params["options"] = f"{options} {params.get('options') or ''}".strip()
        params.setdefault("connect_timeout", max(1, int(timeout)))
        conn = psycopg.connect(make_conninfo("", **params), autocommit=True)
    except psycopg.Error as exc:
        # psycopg's message names host, port and user, never the password.
        raise ThreadTreeError(f"cannot connect to {target!r}: {_first_line(exc)}") from exc
    # The engine prepares its own statements (add_entry, the thread locks) and psycopg must not
    # prepare any: once it has one, psycopg answers every ROLLBACK with DEALLOCATE ALL, which
    # dropped ours too ('prepared statement "threadtree_lock_thread" does not exist').
    conn.prepare_threshold = None
    try:
        _check_and_migrate(conn, target, readonly)
    except BaseException:
        conn.close()
        raise
    return PostgresEngine(conn, target, timeout)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def _version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema version, or ``None`` when the database has no threadtree_schema table."""
    if conn.execute("select to_regclass('threadtree_schema') is not null").fetchone() == (False,):
        return None
    row = conn.execute("select version from threadtree_schema").fetchone()
    return 0 if row is None else int(row[0])


def _check_and_migrate(conn: psycopg.Connection[Any], target: str, readonly: bool) -> None:
    known = len(SQL.migrations())
    version = _version(conn)
    if version is None and conn.execute("select to_regclass('threads') is not null").fetchone() == (True,):
        raise SchemaError(f"{target!r} is not a threadtree database: it holds a threads table of another tool")
    if version is not None and version > known:
        raise SchemaError(
            f"{target!r} was written by a newer threadtree (schema version {version}, this one knows "
            f"{known}); upgrade threadtree to open it"
        )
    if readonly:
        if not version:
            raise SchemaError(f"{target!r} is empty: no threadtree database has been created in it yet")
        if version < known:
            raise SchemaError(
                f"{target!r} needs its schema upgraded (version {version}, this threadtree uses "
                f"{known}); open it for writing once (any write command) to migrate it"
            )
        return
    if version == known:
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(_VERSION_TABLE)
        current = _version(conn) or 0
        if current > known:  # another process, newer, got there first
            raise SchemaError(f"{target!r} was written by a newer threadtree (schema version {current})")
        for number, script in SQL.migrations():
            if number > current:
                conn.execute(script.encode())
        conn.execute(
            "insert into threadtree_schema (one, version) values (true, %s)"
            " on conflict (one) do update set version = excluded.version",
            (known,),
        )
