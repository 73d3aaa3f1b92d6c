"""Opening a database file: where it lives, the settings of a connection, and migrations.

The order of :func:`connect` matters, and each step is there for a measured reason (see
``../shared/RELIABILITY.md``):

0. Before SQLite opens it, the file itself (``file.py``): a FIFO, device or directory is
   refused, and so is a file shorter than its header says.
1. The busy handler comes first: even the read-only checks can meet a lock held by another
   process that is creating the same file.
2. Read-only checks next (``application_id``, ``user_version``, "does it hold tables?"): a file
   that is not ours, or is newer than this code, must be refused *before* switching it to WAL,
   which rewrites the file header. Such a file is left byte-for-byte unchanged.
3. Then WAL, foreign keys, strict quoting, defensive mode, ``synchronous``.
4. Then the migrations, each in its own ``BEGIN IMMEDIATE`` transaction that re-reads
   ``user_version``: two processes may open a new file at the same moment.

Read-only, steps 3 and 4 are skipped, and a file this user may not write is read without
creating -wal and -shm files beside it (see :func:`_connect_readonly`).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import apsw

from ...errors import Busy, InvalidInput, SchemaError, ThreadTreeError
from . import file as _file
from .engine import SQL as _sql
from .engine import end_write
from .file import Unchanged

APPLICATION_ID = 0x74687472  # 'thtr', set by sql/sqlite/migrations/0001_initial.sql


def default_path() -> Path:
    """Where :func:`threadtree.open` keeps its database when no path is given.

    ``$THREADTREE_DB`` when set (set but empty raises :class:`InvalidInput`), else
    ``threadtree.db`` in the user data directory:
    ``$XDG_DATA_HOME/threadtree`` (default ``~/.local/share/threadtree``) on Linux,
    ``~/Library/Application Support/threadtree`` on macOS, ``%LOCALAPPDATA%\\threadtree`` on
    Windows.
    """
    from_env = os.environ.get("THREADTREE_DB")
    if from_env == "":
        # What a script gets from THREADTREE_DB="$UNSET_VARIABLE": writing to the user's own
        # database instead would be a silent surprise.
        raise InvalidInput(
            "THREADTREE_DB is set but empty: set it to a database file, or unset it to use "
            f"the default ({_user_data_dir() / 'threadtree.db'})"
        )
    if from_env is not None:
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


# How long a waiting writer sleeps between polls for the lock, by how long it has waited so far:
# (waited less than, seconds) -> (shortest, longest) sleep. Jittered, so waiters drift apart.
_PACE = (
    (0.008, (0.001, 0.003)),
    (0.020, (0.0004, 0.001)),
    (float("inf"), (0.00015, 0.0004)),
)


def _busy_handler(timeout: float):
    """Poll for the lock until ``timeout`` seconds have passed, sleeping 1-3 ms between polls
    for the first 8 ms of a wait, 0.4-1 ms until 20 ms, then 0.15-0.4 ms (``_PACE``).

    Measured with ``benchmarks/load.py`` on 2 cores, each step for a reason:

    - SQLite's own busy timeout backs off to sleeps of 25-100 ms, so a writer often slept long
      after the lock came free: 180-450 ms worst latency with 8 writers. Polls every 0.5-2 ms:
      about 70 ms at the same throughput.
    - Polls are not a queue: with 8 writer processes an unlucky one lost round after round
      (p99 append latency 44-77 ms). Letting the longest waiters poll fastest works like aging
      in a scheduler: p99 19-20 ms.
    - But that aging began at 5 ms (0.1-0.4 ms polls), and with 8 writers a wait typically
      lasts 3-5 ms: most waiters polled flat out, about 9 wake-ups per operation (2 with 4
      writers). They took the CPU from the writer holding the lock and from the one copying
      the WAL into the database after its commit; that checkpoint fell behind, the WAL (which
      can start over only once a checkpoint has caught up) grew to 15-140 MiB instead of 4,
      every transaction slowed, and 8 writers made about 0.7 of 4 writers' appends a second.
      Young waiters now poll every 1-3 ms, and flat-out polling is kept for the few waits
      that run long.

    The sleep releases the GIL.
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
        for limit, (shortest, longest) in _PACE:
            if waited < limit:
                time.sleep(random.uniform(shortest, longest))
                return True
        return True  # not reached: the last limit is infinite

    return handler


def connect(
    filename: str,
    *,
    synchronous: str,
    timeout: float,
    readonly: bool = False,
) -> tuple[apsw.Connection, Unchanged | None]:
    """An open, checked, migrated connection to ``filename`` (``":memory:"`` works), and the
    guard a store must call around each call when the connection reads without locks (else
    None; see :func:`_connect_unlocked`).

    ``readonly``: open with ``SQLITE_OPEN_READONLY`` and change nothing (no WAL switch, no
    migration, no -wal or -shm file left behind a file this user may not write); the file
    must exist and be at this code's schema version.

    :raises SchemaError: the file is not a threadtree database, is damaged or cut short, or is
        newer (or, read-only, older or empty).
    :raises ThreadTreeError: the file cannot be opened at all (a directory, a FIFO or device,
        a missing folder; read-only: no file, or a -wal that cannot be read; for writing: no
        permission, a read-only file system).
    :raises Busy: other processes kept the file locked for longer than ``timeout``.
    """
    if filename != ":memory:":
        _file.refuse_special_files(filename)
        if readonly and not os.path.exists(filename):
            raise ThreadTreeError(f"no database at {filename!r}")
        _file.refuse_cut_files(filename)
    if readonly:
        return _connect_readonly(filename, timeout)
    conn = _open(filename, apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE)
    try:
        if conn.readonly("main"):  # SQLite quietly fell back to reading: no write permission
            raise apsw.ReadOnlyError("opened read-only")
        _configure(conn, timeout)
        _refuse_foreign_files(conn, filename)
        _retry_busy(lambda: _wal(conn), timeout)
        conn.pragma("foreign_keys", "ON")  # outside any transaction
        conn.pragma("synchronous", synchronous)
        # Statement journals in memory: a statement inside a transaction that fires triggers
        # (an insert into entries) keeps the pages it changes in a statement journal, and once
        # that journal has spilled to a temporary file it stays one for the rest of the
        # transaction, every later statement writing its pages there (about 17 pwrite calls an
        # imported entry, half of SQLite's time in an import).
        conn.pragma("temp_store", "MEMORY")
        _migrate(conn)
    except apsw.ReadOnlyError as exc:
        conn.close()
        raise ThreadTreeError(
            f"cannot write {filename!r}: {_file.why_read_only(filename)} (reading it works: "
            "threadtree.open(..., readonly=True), or any read command of the CLI)"
        ) from exc
    except BaseException as exc:
        conn.close()
        _raise_busy(exc, filename, timeout)
        raise
    return conn, None


def _connect_readonly(filename: str, timeout: float) -> tuple[apsw.Connection, Unchanged | None]:
    """Read-only: through the -wal and -shm files beside the database when they exist or this
    user may create them, else without locks (:func:`_connect_unlocked`).

    A user who may not write the database never makes them: SQLite would create them with
    that user as owner, and the database's owner could then no longer write its own file
    (measured: ``ReadOnlyError`` on the owner's next write)."""
    wal, shm = filename + "-wal", filename + "-shm"
    if filename == ":memory:" or _file.may_write(filename) or (os.path.exists(wal) and os.path.exists(shm)):
        conn = _open(filename, apsw.SQLITE_OPEN_READONLY)
        try:
            _check_readonly(conn, filename, timeout)
            return conn, None
        except (apsw.ReadOnlyError, apsw.CantOpenError):
            pass  # no -shm, and none can be made: a folder or file system read-only
    return _connect_unlocked(filename, timeout)


def _connect_unlocked(filename: str, timeout: float) -> tuple[apsw.Connection, Unchanged]:
    """Read a WAL database whose -shm file cannot be made, with ``immutable=1``: no locks,
    main file only (SQLite's third way to read such a file; see its "WAL read-only" notes).

    Safe only while the main file holds every commit, that is while no -wal file holds
    frames: a -wal with frames is refused (reading past it would be stale). Another process
    may start writing later; the returned guard notices and makes the store refuse to read
    from then on rather than return stale or torn rows."""
    wal = filename + "-wal"
    if _file.holds_data(wal):
        raise ThreadTreeError(
            f"cannot read {filename!r}: its write-ahead log {wal!r} holds changes not yet copied "
            f"into it, and reading them needs a -shm file that cannot be made here "
            f"({_file.why_read_only(filename, shm=True)}). Have a user who may write there open it once "
            "(closing copies the log in), or copy the file and its -wal to a folder you can write"
        )
    guard = Unchanged(filename)
    uri = Path(os.path.abspath(filename)).as_uri() + "?immutable=1"
    conn = _open(filename, apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI, uri)
    _check_readonly(conn, filename, timeout, guard)  # the checks read it without locks too
    return conn, guard


def _check_readonly(conn: apsw.Connection, filename: str, timeout: float, guard: Unchanged | None = None) -> None:
    """Settings and the read-only checks; the connection is closed if anything fails."""
    try:
        _configure(conn, timeout)
        _refuse_foreign_files(conn, filename)
        _refuse_older_files(conn, filename)
        if guard is not None:
            guard()
    except BaseException as exc:
        conn.close()
        _raise_busy(exc, filename, timeout)
        raise


# Prepared statements a connection keeps: every query of sql/sqlite/queries fits, so a store
# that uses them all does not prepare one again and again (APSW's default keeps 100; a
# statement with its triggers compiled in takes tens of thousands of instructions to prepare).
STATEMENT_CACHE = 256


def _open(filename: str, flags: int, name: str | None = None) -> apsw.Connection:
    try:
        return apsw.Connection(name or filename, flags=flags, statementcachesize=STATEMENT_CACHE)
    except apsw.CantOpenError as exc:
        raise ThreadTreeError(f"cannot open database {filename!r}: {_why_not(filename)}") from exc


def _configure(conn: apsw.Connection, timeout: float) -> None:
    """Connection settings only: nothing here writes to the file."""
    conn.set_busy_handler(_busy_handler(timeout))
    conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)  # no writable_schema tricks (but _migrate's)
    conn.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0)  # schema can't call functions
    # apsw.bestpractice.connection_dqs, written out like _wal below: importing apsw.bestpractice
    # imports apsw.ext, a third of the start-up time of a CLI command (benchmarks/startup.py).
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, 0)  # "text" is an identifier, never a string
    conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, 0)
    # The query planner stability guarantee: a plan that does not depend on the values bound.
    # Without it SQLite 3.54 marks a statement whose plan might depend on one to be prepared
    # again after every new binding (measured: label_list's `thread_id = :thread_id ... order
    # by name`, thread_leaf's join, thread_leaf_seq and a dozen more): 70,000 instructions for
    # the statement an append starts with, a fifth of the append. Our plans never depend on a
    # value: tests/test_queries.py holds each to its index.
    conn.config(apsw.SQLITE_DBCONFIG_ENABLE_QPSG, 1)


def _raise_busy(exc: BaseException, filename: str, timeout: float) -> None:
    if isinstance(exc, apsw.BusyError):
        raise Busy(f"database {filename!r} stayed locked for more than {timeout:g} s") from exc


def _why_not(filename: str) -> str:
    path = Path(filename)
    if not path.parent.is_dir():
        return f"folder {str(path.parent)!r} does not exist"
    if not path.exists() and not _file.may_write(str(path.parent)):
        return _file.why_read_only(filename)
    return "permission denied"


def _wal(conn: apsw.Connection) -> None:
    """Write-ahead logging, as apsw.bestpractice.connection_wal does it: not on a file that SQLite
    could only open read-only (no write permission)."""
    try:
        if not conn.readonly("main"):
            conn.pragma("journal_mode", "wal")
    except apsw.ReadOnlyError:  # the journal or WAL file may still be read-only
        pass


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
            _run_migration(conn, script)
            conn.pragma("user_version", number)


def _run_migration(conn: apsw.Connection, script: str) -> None:
    # A migration that edits sqlite_schema in place (0013 drops AUTOINCREMENT that way) needs
    # SQLITE_DBCONFIG_DEFENSIVE lifted: for that script only, never for other SQL.
    edits_schema = "pragma writable_schema" in script
    if edits_schema:
        conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 0)
    try:
        for _ in conn.execute(script):
            pass
    finally:
        if edits_schema:  # off again even when the script failed half-way (then rolled back)
            conn.pragma("writable_schema", False)
            conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)


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
