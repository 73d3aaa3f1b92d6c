"""Opening a database file: where it lives, the settings of a connection, and migrations.

The order of :func:`connect` matters, and each step is there for a measured reason (see
``../shared/RELIABILITY.md``):

1. The busy handler comes first: even the read-only checks can meet a lock held by another
   process that is creating the same file.
2. Read-only checks next (``application_id``, ``user_version``, "does it hold tables?"): a file
   that is not ours, or is newer than this code, must be refused *before* switching it to WAL,
   which rewrites the file header. Such a file is left byte-for-byte unchanged.
3. Then WAL, foreign keys, strict quoting, defensive mode, ``synchronous``.
4. Then the migrations, each in its own ``BEGIN IMMEDIATE`` transaction that re-reads
   ``user_version``: two processes may open a new file at the same moment.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import apsw

from ...errors import Busy, SchemaError, ThreadTreeError
from .engine import SQL as _sql
from .engine import end_write

APPLICATION_ID = 0x74687472  # 'thtr', set by sql/sqlite/migrations/0001_initial.sql


def default_path() -> Path:
    """Where :func:`threadtree.open` keeps its database when no path is given.

    ``$THREADTREE_DB`` when set, else ``threadtree.db`` in the user data directory:
    ``$XDG_DATA_HOME/threadtree`` (default ``~/.local/share/threadtree``) on Linux,
    ``~/Library/Application Support/threadtree`` on macOS, ``%LOCALAPPDATA%\\threadtree`` on
    Windows.
    """
    from_env = os.environ.get("THREADTREE_DB")
    if from_env:
        return Path(from_env)
    return _user_data_dir() / "threadtree.db"


def _user_data_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = xdg if os.path.isabs(xdg) else str(Path.home() / ".local" / "share")
    return Path(base) / "threadtree"


def _busy_handler(timeout: float):
    """Poll every 0.5-2 ms (jittered), and every 0.1-0.4 ms once 5 ms have passed, until
    ``timeout`` seconds have passed.

    SQLite's own busy timeout backs off to sleeps of 25-100 ms, so under contention a writer
    often sleeps long after the lock came free: measured, 180-450 ms worst latency with 8
    writers, ~70 ms with plain 0.5-2 ms polls at the same throughput. Polls are not a queue,
    though: with 8 writer processes an unlucky one lost round after round, and p99 append
    latency was 44-77 ms (benchmarks/load.py). Letting the longest waiters poll fastest works
    like aging in a scheduler: p99 19-20 ms, worst 36-43 ms, same throughput. The sleep
    releases the GIL.
    """
    started = 0.0

    def handler(prior_calls: int) -> bool:
        nonlocal started
        now = time.monotonic()
        if prior_calls == 0:
            started = now
        waited = now - started
        if waited >= timeout:
            return False
        # Polls do not queue: with many writers an unlucky one can lose round after round.
        # Those that have waited longest poll most often, so they tend to win the next round.
        if waited < 0.005:
            time.sleep(random.uniform(0.0005, 0.002))
        else:
            time.sleep(random.uniform(0.0001, 0.0004))
        return True

    return handler


def connect(filename: str, *, synchronous: str, timeout: float, readonly: bool = False) -> apsw.Connection:
    """An open, checked, migrated connection to ``filename`` (``":memory:"`` works).

    ``readonly``: open with ``SQLITE_OPEN_READONLY`` and change nothing (no WAL switch, no
    migration); the file must exist and be at this code's schema version.

    :raises SchemaError: the file is not a threadtree database, is damaged, or is newer (or,
        read-only, older or empty).
    :raises ThreadTreeError: the file cannot be opened at all (a directory, a missing folder,
        read-only: no file).
    :raises Busy: other processes kept the file locked for longer than ``timeout``.
    """
    if os.path.isdir(filename):  # SQLite would say "disk I/O error" when opening read-only
        raise ThreadTreeError(f"cannot open database {filename!r}: it is a directory")
    if readonly and filename != ":memory:" and not os.path.exists(filename):
        raise ThreadTreeError(f"no database at {filename!r}")
    flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
    try:
        conn = apsw.Connection(filename, flags=flags)
    except apsw.CantOpenError as exc:
        raise ThreadTreeError(f"cannot open database {filename!r}: {_why_not(filename)}") from exc
    try:
        conn.set_busy_handler(_busy_handler(timeout))
        # Connection settings only: nothing below writes to the file until connection_wal.
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)  # no writable_schema tricks
        conn.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0)  # schema can't call functions
        # apsw.bestpractice.connection_dqs, written out like _wal below: importing apsw.bestpractice
        # imports apsw.ext, a third of the start-up time of a CLI command (benchmarks/startup.py).
        conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)  # "text" is an identifier, never a string
        conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
        _refuse_foreign_files(conn, filename)
        if readonly:
            _refuse_older_files(conn, filename)
        else:
            _retry_busy(lambda: _wal(conn), timeout)
            conn.pragma("foreign_keys", "ON")  # outside any transaction
            conn.pragma("synchronous", synchronous)
            _migrate(conn)
    except apsw.BusyError as exc:
        conn.close()
        raise Busy(f"database {filename!r} stayed locked for more than {timeout:g} s") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _wal(conn: apsw.Connection) -> None:
    """Write-ahead logging, as apsw.bestpractice.connection_wal does it: not on a file that SQLite
    could only open read-only (no write permission)."""
    try:
        if not conn.readonly("main"):
            conn.pragma("journal_mode", "wal")
    except apsw.ReadOnlyError:  # the journal or WAL file may still be read-only
        pass


def _why_not(filename: str) -> str:
    path = Path(filename)
    if path.is_dir():
        return "it is a directory"
    if not path.parent.is_dir():
        return f"folder {str(path.parent)!r} does not exist"
    return "permission denied or not a regular file"


def _retry_busy(step, timeout: float) -> None:
    """Run ``step``, retrying on BusyError: switching to WAL needs a moment of exclusive access
    and SQLite may give up at once rather than wait (measured: 4 failures in 3,520 concurrent
    opens without the retry, none with it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return step()
        except apsw.BusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(random.uniform(0.001, 0.005))


def _refuse_foreign_files(conn: apsw.Connection, filename: str) -> None:
    """Raise SchemaError, having written nothing, unless the file is ours or empty."""
    known = len(_sql.migrations())
    try:
        # One read transaction, one snapshot: read apart, a process that is creating the same
        # file can commit in between, and its tables then look like someone else's
        # (measured: 6 of 480 concurrent opens of a new file refused before this).
        conn.execute("BEGIN")
        try:
            application_id = conn.pragma("application_id")
            user_version = conn.pragma("user_version")
            tables = conn.execute("select count(*) from sqlite_schema").get
        finally:
            conn.execute("COMMIT")
    except apsw.NotADBError as exc:
        raise SchemaError(f"{filename!r} is not a threadtree database: not an SQLite file") from exc
    except apsw.CorruptError as exc:
        raise SchemaError(f"{filename!r} is damaged: {exc}") from exc
    if application_id not in (0, APPLICATION_ID):
        raise SchemaError(
            f"{filename!r} is not a threadtree database (it belongs to application id {application_id:#010x})"
        )
    if application_id == 0 and tables:
        raise SchemaError(f"{filename!r} is not a threadtree database: it holds other tables")
    if application_id == APPLICATION_ID and user_version == 0:
        raise SchemaError(f"{filename!r} is damaged: marked as threadtree but has no schema version")
    if user_version > known:
        raise SchemaError(
            f"{filename!r} was written by a newer threadtree (schema version {user_version}; "
            f"this threadtree knows versions up to {known}): upgrade threadtree to open it"
        )


def _refuse_older_files(conn: apsw.Connection, filename: str) -> None:
    """Read-only, a file must already be at this code's schema: migrating is a write."""
    version, known = conn.pragma("user_version"), len(_sql.migrations())
    if version == 0:
        raise SchemaError(f"{filename!r} is empty: no threadtree database has been created in it yet")
    if version < known:
        raise SchemaError(
            f"{filename!r} needs its schema upgraded (version {version}, this threadtree uses "
            f"{known}); open it for writing once (any write command) to migrate it"
        )


def _migrate(conn: apsw.Connection) -> None:
    steps = _sql.migrations()
    if conn.pragma("user_version") == len(steps):
        return
    for number, script in steps:
        with WriteTransaction(conn):
            current = conn.pragma("user_version")  # re-read under the lock: another process
            if current >= number:  # may have migrated since we looked
                continue
            for _ in conn.execute(script):
                pass
            conn.pragma("user_version", number)


class WriteTransaction:
    """One all-or-nothing write: BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception.

    IMMEDIATE, because a deferred transaction that reads and then writes fails with BusyError
    under contention whatever the busy timeout (SQLite cannot wait for a read lock to become
    a write lock). An explicit ``execute("BEGIN IMMEDIATE")`` rather than APSW's ``with conn:``,
    because the latter waits for the lock holding the GIL, freezing every other Python thread
    (and deadlocking against a lock holder in the same process until the timeout).
    A class rather than a generator: this sits on every write's hot path.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: apsw.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> apsw.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        end_write(self._conn, exc_type is None)
