"""The SQLite engine: one APSW connection to one file, and the transaction it runs.

Writes begin with ``BEGIN IMMEDIATE``, not a deferred ``BEGIN``: a deferred transaction that
reads and then writes fails with ``BusyError`` under contention whatever the busy timeout
(SQLite cannot wait for a read lock to become a write lock). An explicit
``execute("BEGIN IMMEDIATE")`` rather than APSW's ``with conn:``, because the latter waits for
the lock holding the GIL, freezing every other Python thread of the process (and
deadlocking against a lock holder in the same process until the timeout). See
``../shared/RELIABILITY.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import apsw

from ...errors import Busy
from ..engine import Bindings, Features, UniqueViolation
from ..sql import SqlFolder

__all__ = ["DRIVER_ERRORS", "FEATURES", "SQL", "SQLiteEngine", "SQLiteTx", "end_write"]

SQL = SqlFolder("sqlite")

FEATURES = Features(
    name="sqlite",
    one_writer=True,
    synchronous=True,
    damage=(apsw.CorruptError,),
    search_pending=True,
    moves_on_entries=True,
)

DRIVER_ERRORS: tuple[type[BaseException], ...] = (apsw.Error,)
"""What APSW raises that threadtree does not translate (see ``threadtree._db.driver_errors``)."""

_UNIQUE = (apsw.SQLITE_CONSTRAINT_UNIQUE, apsw.SQLITE_CONSTRAINT_PRIMARYKEY)


class SQLiteTx:
    """Queries of ``sql/sqlite/queries`` on one APSW connection (see
    :class:`~threadtree._db.engine.Tx`). A key that is taken raises
    :class:`~threadtree._db.engine.UniqueViolation`; every other APSW error passes through."""

    __slots__ = ("_conn", "_sql")

    features = FEATURES

    def __init__(self, conn: apsw.Connection) -> None:
        self._conn = conn
        self._sql = SQL

    def one(self, name: str, bindings: Bindings = None) -> tuple[Any, ...] | None:
        try:
            return self._conn.execute(self._sql.query(name), bindings).fetchone()
        except apsw.ConstraintError as exc:
            raise _unique(exc) from exc

    def value(self, name: str, bindings: Bindings = None) -> Any:
        try:
            row = self._conn.execute(self._sql.query(name), bindings).fetchone()
        except apsw.ConstraintError as exc:
            raise _unique(exc) from exc
        return None if row is None else row[0]

    def rows(self, name: str, bindings: Bindings = None) -> Iterable[tuple[Any, ...]]:
        return self._conn.execute(self._sql.query(name), bindings)

    def all(self, name: str, bindings: Bindings = None) -> list[tuple[Any, ...]]:
        return self._conn.execute(self._sql.query(name), bindings).fetchall()

    def run(self, name: str, bindings: Bindings = None) -> int:
        conn = self._conn
        try:
            for _ in conn.execute(self._sql.query(name), bindings):
                pass
        except apsw.ConstraintError as exc:
            raise _unique(exc) from exc
        return conn.changes()

    def many(self, name: str, seq: Iterable[Mapping[str, Any]]) -> None:
        try:
            for _ in self._conn.executemany(self._sql.query(name), seq):
                pass
        except apsw.ConstraintError as exc:
            raise _unique(exc) from exc

    def stream(self, name: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        cursor = iter(self._conn.execute(self._sql.query(name)))
        while batch := list(itertools.islice(cursor, size)):
            yield batch

    def load(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.many(name, (dict(zip(columns, row)) for row in rows))

    def script(self, text: str) -> None:
        """Run every statement of ``text`` (a migration), to its end."""
        for _ in self._conn.execute(text):
            pass


def _unique(exc: apsw.ConstraintError) -> BaseException:
    """UniqueViolation for a key that is taken; any other constraint error as it was."""
    if getattr(exc, "extendedresult", None) in _UNIQUE:  # set by APSW, absent from its stubs
        return UniqueViolation(str(exc))
    return exc


def end_write(conn: apsw.Connection, commit: bool) -> None:
    """End a write transaction: COMMIT if ``commit``, else ROLLBACK. A COMMIT that fails is
    rolled back and re-raised, so the connection is never left inside a transaction."""
    if commit:
        try:
            conn.execute("COMMIT")
            return
        except BaseException:
            if not conn.get_autocommit():
                conn.execute("ROLLBACK")
            raise
    if not conn.get_autocommit():
        conn.execute("ROLLBACK")


class SQLiteEngine:
    """An open, checked, migrated APSW connection (made by ``connect``), as an
    :class:`~threadtree._db.engine.Engine`."""

    features = FEATURES
    sql = SQL

    def __init__(
        self, conn: apsw.Connection, filename: str, timeout: float, guard: Callable[[], None] | None = None
    ) -> None:
        self.connection = conn
        self.target = filename
        self.guard = guard  # set when the file is read without locks (see connect._connect_unlocked)
        self._timeout = timeout
        self.tx = SQLiteTx(conn)
        self._search_stale = False
        # ROLLBACK prepared now, kept in the statement cache: a write that runs out of memory
        # must still be able to undo itself, and preparing a statement takes memory.
        if conn.get_autocommit():
            conn.execute("BEGIN")
            conn.execute("ROLLBACK")

    def _leftover(self) -> None:
        """Roll back a transaction an earlier call could not end: a ROLLBACK that ran out of
        memory (tests/test_faults.py) leaves the connection inside the write it undid, holding
        the lock. Its caller was told (the error), and nothing of it was committed."""
        conn = self.connection
        if not conn.get_autocommit():
            conn.execute("ROLLBACK")
            self._search_stale = True

    def begin_read(self) -> None:
        self._leftover()
        self.connection.execute("BEGIN")

    def end_read(self) -> None:
        # Nothing was written, so there is nothing to lose: an error here (SQLite reports a
        # damaged file again on COMMIT) must not hide the read's own result or error. The
        # connection is out of the transaction either way.
        conn = self.connection
        try:
            conn.execute("COMMIT")
        except apsw.Error:
            if not conn.get_autocommit():
                conn.execute("ROLLBACK")

    def begin_write(self) -> None:
        self._leftover()
        conn = self.connection
        try:
            conn.execute("BEGIN IMMEDIATE")  # waits for other writers, GIL released
        except apsw.BusyError as exc:
            raise Busy(
                f"database {self.target!r} stayed locked by other writers for more than "
                f"{self._timeout:g} s; nothing was written"
            ) from exc
        if self._search_stale:
            try:
                self._forget_search_state()
            except BaseException:
                end_write(conn, False)
                raise

    def _forget_search_state(self) -> None:
        """Make the search index (FTS5) drop what it holds in memory about the file.

        When a statement fails inside SQLite (out of memory, an I/O error) and SQLite rolls the
        transaction back by itself, FTS5 can miss the rollback and keep its cached totals (the
        row count and token sums bm25 ranks by); the next write then stores them, and the
        index fails its integrity check (tests/test_faults.py's out-of-memory import found
        this). A special command entered and rolled back to a savepoint makes FTS5 roll back
        too, which drops its caches. Run at the start of the write after such a failure."""
        conn = self.connection
        conn.execute("SAVEPOINT threadtree_search")
        try:
            self.tx.run("search_enter")
        finally:
            conn.execute("ROLLBACK TO threadtree_search")
            conn.execute("RELEASE threadtree_search")
        self._search_stale = False

    def end_write(self, commit: bool) -> None:
        conn = self.connection
        if conn.get_autocommit():  # SQLite ended the transaction itself, in an error
            self._search_stale = True
        try:
            end_write(conn, commit)
        except BaseException:
            self._search_stale = True
            raise

    def close(self) -> None:
        self.connection.close()
