"""The PostgreSQL engine: one psycopg connection to one server, and the transaction it runs.

How it keeps SQLite's guarantees without SQLite's one writer at a time:

- A write is a READ COMMITTED transaction that locks the row of each thread it touches
  (``select ... for update``) before its first statement on that thread: writers on one thread
  take turns, writers on different threads never wait for each other, and every read after
  the lock sees what the writer before committed, so compare-and-set on the leaf stays exact
  across connections and machines. The Tx takes the lock by itself, the first time a query of
  a write is bound to a ``thread_id``: the storage functions, shared with SQLite, need not
  know. Waiting longer than the timeout (``lock_timeout``), or a deadlock, raises Busy.
- A read of several statements is one REPEATABLE READ READ ONLY transaction: one snapshot.
- Queries are the files of ``sql/postgres/queries`` with their ``:name`` bindings rewritten to
  psycopg's ``%(name)s`` once, when first read (comments are dropped then: a binding named in
  a comment would otherwise be asked for). They are sent with client-side binding, so that a
  binding is typed by where it stands, as SQLite types it (``:search is null`` needs no cast).
- A whole write of one statement (``add_entry``: an append or fork of one message, see
  ``_db/adding.py``) is prepared on the server once per session, each binding cast in its
  file, and run by EXECUTE; as the first statement of its transaction it is sent with the
  BEGIN, the lock and the COMMIT: an append is one round trip, and so is a fork, whose lock
  finds the thread through the parent entry (``add_entry`` bound to no ``thread_id``). After
  reads only it still carries the COMMIT. Nothing may follow it in the write it ended, unless
  it wrote nothing (the plain path then goes on in a new transaction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import errors as pgerrors

from ...errors import Busy, InvalidInput
from ..engine import Bindings, Features, UniqueViolation
from ..sql import SqlFolder

__all__ = ["FEATURES", "SQL", "PostgresEngine", "PostgresTx", "to_psycopg"]

FEATURES = Features(
    name="postgres", one_writer=False, synchronous=True, damage=(pgerrors.DataCorrupted,), add_in_one=True
)

_TOKEN = re.compile(r"'(?:[^']|'')*'|--[^\n]*|::|:([A-Za-z_]\w*)|%")


def to_psycopg(text: str) -> str:
    """A query of ``sql/postgres`` in psycopg's style: ``:name`` -> ``%(name)s``, ``%`` -> ``%%``,
    comments dropped; string literals and ``::`` casts left as they are."""

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith("--"):
            return ""
        if token == "%":
            return "%%"
        if m.group(1) is not None:
            return f"%({m.group(1)})s"
        return token

    return _TOKEN.sub(swap, text).strip()


def to_prepared(name: str, text: str) -> tuple[str, str]:
    """A query of ``sql/postgres`` as a statement prepared on the server: its PREPARE (each
    ``:name`` a ``$n``, in the order they first appear) and the EXECUTE that runs it, in
    psycopg's style (``%(name)s`` for each argument). Every binding of such a query casts its
    own type: the server infers none from a bare ``$n``."""
    order: list[str] = []

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith("--"):
            return ""
        if m.group(1) is not None:
            if m.group(1) not in order:
                order.append(m.group(1))
            return f"${order.index(m.group(1)) + 1}"
        return token

    body = _TOKEN.sub(swap, text).strip()
    arguments = ", ".join(f"%({binding})s" for binding in order)
    return f"prepare threadtree_{name} as {body}", f"execute threadtree_{name}({arguments})"


class PsycopgSql(SqlFolder):
    """``sql/postgres``, each query rewritten by :func:`to_psycopg` when first read."""

    def prepared(self, name: str) -> tuple[str, str]:
        """The query ``name`` as :func:`to_prepared` gives it."""
        key = f"prepared {name}"  # beside the texts of query(), under a name no file has
        if key not in self._texts:
            prepare, execute = to_prepared(name, (self.root / "queries" / f"{name}.sql").read_text(encoding="utf-8"))
            self._texts[key] = prepare
            self._texts[key + " execute"] = execute
        return self._texts[key], self._texts[key + " execute"]

    def query(self, name: str) -> str:
        try:
            return self._texts[name]
        except KeyError:
            text = (self.root / "queries" / f"{name}.sql").read_text(encoding="utf-8")
            converted = self._texts[name] = to_psycopg(text)
            return converted


SQL = PsycopgSql("postgres")

# The thread's row lock a write takes before its first statement on the thread, prepared on
# the server once per session as add_entry is (see PostgresTx._prepare): planned at every call
# it cost about 25 us of an append's 0.73 ms. A fork names its parent, not its thread: the
# lock finds the thread through the entry (which never changes thread), in the same message
# as the fork itself (see _execute). Each: its name, PREPARE, and EXECUTE.
_LOCK_THREAD = (
    "lock_thread",
    "prepare threadtree_lock_thread(text) as select 1 from threads where id = $1 for update",
    "execute threadtree_lock_thread(%(thread_id)s);",
)
_LOCK_PARENTS_THREAD = (
    "lock_parents_thread",
    "prepare threadtree_lock_parents_thread(bigint) as "
    "select 1 from threads where id = (select thread_id from entries where id = $1) for update",
    "execute threadtree_lock_parents_thread(%(parent_id)s);",
)

# Queries that make a whole write on their own (see _execute).
_WHOLE_WRITES = frozenset({"add_entry"})
# Reads that may come before a whole write in its transaction, which then still carries the
# COMMIT: nothing was written before it (a fork reads its parent's place first).
_READS_BEFORE_WHOLE = frozenset({"entry_place"})


class PostgresTx:
    """Queries of ``sql/postgres/queries`` on one psycopg connection (see
    :class:`~threadtree._db.engine.Tx`). In a write, the first query bound to a thread locks
    that thread's row first."""

    __slots__ = ("_cur", "_engine", "_sql", "begin", "ended", "locked", "read_only", "writing")

    features = FEATURES

    def __init__(self, engine: PostgresEngine, cur: psycopg.ClientCursor[Any]) -> None:
        self._engine = engine
        self._cur = cur
        self._sql = SQL
        self.writing = False
        self.ended = False  # a whole write committed this write (see _execute)
        self.read_only = True  # this transaction ran only _READS_BEFORE_WHOLE so far
        self.locked: set[str] = set()
        # The BEGIN of a transaction not yet sent: it goes with the first query (see _execute).
        self.begin: str | None = None

    def _execute(self, name: str, bindings: Bindings) -> psycopg.ClientCursor[Any]:
        begin, read_only = self.begin, self.read_only
        try:
            return self._send(name, bindings)
        except pgerrors.InvalidSqlStatementName:
            # Our prepared statements were dropped from the session behind our back (DEALLOCATE
            # ALL or DISCARD ALL, by a pooler or a tool): none is trusted any more. When this
            # message began its transaction nothing of the transaction was done, so it is rolled
            # back and sent again, the statements prepared anew; otherwise the write fails (and
            # rolls back) and the next one prepares them.
            engine = self._engine
            engine.rollback()
            engine.connection.execute("deallocate all")
            engine.prepared.clear()
            if begin is None:
                raise
            self.begin, self.read_only = begin, read_only
            self.locked.clear()
            return self._send(name, bindings)

    def _send(self, name: str, bindings: Bindings) -> psycopg.ClientCursor[Any]:
        # One round trip for what the server need not answer on its own: a pending BEGIN and
        # the thread's row lock are sent in one message with the query (client-side binding
        # sends it as a simple query; the cursor is left on the query's result).
        cur = self._cur
        if self.ended:  # a statement here would be committed apart from the write before it
            raise AssertionError(f"query {name!r} after a whole write, in the write it ended")
        if name in _WHOLE_WRITES:
            query = self._prepare(name)
        else:
            query = self._sql.query(name)
        before = self.begin or ""
        skip = 0 if self.begin is None else 1
        if self.writing and bindings:
            tid = bindings.get("thread_id")
            if tid is not None and tid not in self.locked:
                before += self._lock(_LOCK_THREAD)
                skip += 1
                self.locked.add(tid)
            elif tid is None and name in _WHOLE_WRITES and bindings.get("parent_id") is not None:
                before += self._lock(_LOCK_PARENTS_THREAD)  # a fork: its thread is its parent's
                skip += 1
        # A whole write with nothing written before it in its transaction (its first
        # statement, or after reads only) ends it too: COMMIT goes in the same message. What
        # follows in the same db.write() (the plain path, when the statement wrote nothing)
        # runs in a transaction of its own.
        commit = self.writing and name in _WHOLE_WRITES and self.read_only
        if name not in _READS_BEFORE_WHOLE:
            self.read_only = False
        if commit:
            query += ";commit;"
        try:
            if before:
                self.begin = None
                cur.execute(before + query, bindings)
                for _ in range(skip):
                    cur.nextset()
            else:
                cur.execute(query, bindings)
        except psycopg.Error as exc:
            raise self._engine.translate(exc) from exc
        if commit:
            self.locked.clear()
            if cur.rowcount:  # written and committed: the write is whole, nothing may follow
                self.ended = True
            else:  # nothing written: the plain path goes on in a transaction of its own
                self.begin = "begin;"
                self.read_only = True
        return cur

    def _prepare(self, name: str) -> str:
        """The EXECUTE of the query ``name``, prepared on this connection's server session
        first if it is not yet: a plan made once, not parsed and planned at every call (the
        server's CPU is what eight writers on two cores run short of). A prepared statement
        lives as long as the session and is planned again by the server after any change of
        the tables it reads; the PREPARE is sent on its own, so that it is known to exist."""
        prepare, execute = self._sql.prepared(name)
        self._send_prepare(name, prepare)
        return execute

    def _lock(self, lock: tuple[str, str, str]) -> str:
        """The EXECUTE of one of the thread locks, prepared first if it is not yet."""
        name, prepare, execute = lock
        self._send_prepare(name, prepare)
        return execute

    def _send_prepare(self, name: str, prepare: str) -> None:
        if name not in self._engine.prepared:
            try:
                self._cur.execute(prepare)
            except psycopg.Error as exc:
                raise self._engine.translate(exc) from exc
            self._engine.prepared.add(name)

    def started(self) -> None:
        """Send a pending BEGIN now, for what cannot carry it (a server cursor, a COPY)."""
        if self.begin:
            begin, self.begin = self.begin, None
            try:
                self._cur.execute(begin)
            except psycopg.Error as exc:
                raise self._engine.translate(exc) from exc

    def one(self, name: str, bindings: Bindings = None) -> tuple[Any, ...] | None:
        return self._execute(name, bindings).fetchone()

    def value(self, name: str, bindings: Bindings = None) -> Any:
        row = self._execute(name, bindings).fetchone()
        return None if row is None else row[0]

    def rows(self, name: str, bindings: Bindings = None) -> Iterable[tuple[Any, ...]]:
        return self._execute(name, bindings).fetchall()

    def all(self, name: str, bindings: Bindings = None) -> list[tuple[Any, ...]]:
        return self._execute(name, bindings).fetchall()

    def run(self, name: str, bindings: Bindings = None) -> int:
        return self._execute(name, bindings).rowcount

    def many(self, name: str, seq: Iterable[Mapping[str, Any]]) -> None:
        for bindings in seq:
            self._execute(name, bindings)

    def stream(self, name: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        # A server-side cursor: the server sends ``size`` rows at a time, inside the
        # transaction (and the snapshot) this Tx is in.
        self.started()
        try:
            with self._engine.connection.cursor(name="threadtree_stream") as cur:
                cur.execute(self._sql.query(name))
                while batch := cur.fetchmany(size):
                    yield batch
        except psycopg.Error as exc:
            raise self._engine.translate(exc) from exc

    def load(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        # COPY ... FROM STDIN: one statement for all the rows, without a round trip per row.
        self.started()
        try:
            with self._cur.copy(self._sql.query(name)) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            raise self._engine.translate(exc) from exc

    def script(self, text: str) -> None:
        """Run every statement of ``text`` (a migration), to its end."""
        self.started()
        try:
            self._cur.execute(text.encode())
        except psycopg.Error as exc:
            raise self._engine.translate(exc) from exc


class PostgresEngine:
    """An open, checked, migrated psycopg connection (made by ``connect``), as an
    :class:`~threadtree._db.engine.Engine`."""

    features = FEATURES
    sql = SQL
    guard = None

    def __init__(self, conn: psycopg.Connection[Any], target: str, timeout: float) -> None:
        self.connection = conn
        self.target = target
        self._timeout = timeout
        self.prepared: set[str] = set()  # the queries prepared on this session (PostgresTx._prepare)
        self.tx = PostgresTx(self, psycopg.ClientCursor(conn))

    def translate(self, exc: psycopg.Error) -> BaseException:
        """The threadtree error for what the server refused, or ``exc`` itself."""
        if isinstance(exc, pgerrors.UniqueViolation):
            diag = exc.diag
            return UniqueViolation(f"{diag.message_primary} ({diag.message_detail})")
        if isinstance(exc, (pgerrors.LockNotAvailable, pgerrors.DeadlockDetected, pgerrors.SerializationFailure)):
            return Busy(  # worded as on SQLite, with the server's reason
                f"database {self.target!r} stayed locked by other writers for more than "
                f"{self._timeout:g} s; nothing was written ({exc.diag.message_primary})"
            )
        if isinstance(exc, psycopg.DataError) and ("NUL" in str(exc) or "0x00" in str(exc)):
            return InvalidInput("PostgreSQL text cannot hold NUL characters (\\x00); SQLite can")
        return exc

    # BEGIN is not sent here but with the transaction's first query (PostgresTx._execute): a
    # round trip less for every call; a transaction that ran no query has nothing to end.

    def begin_read(self) -> None:
        self.tx.begin = "begin isolation level repeatable read read only;"

    def end_read(self) -> None:
        if self.tx.begin is not None:
            self.tx.begin = None
            return
        try:
            self.connection.execute("commit")
        except psycopg.Error:
            self.rollback()

    def begin_write(self) -> None:
        self.tx.begin = "begin;"
        self.tx.writing = True
        self.tx.read_only = True

    def end_write(self, commit: bool) -> None:
        tx = self.tx
        ended, tx.writing, tx.ended = tx.ended, False, False
        tx.locked.clear()
        if tx.begin is not None or ended:  # nothing sent, or committed with its whole write
            tx.begin = None
            return
        if not commit:
            self.rollback()
            return
        try:
            self.connection.execute("commit")
        except psycopg.Error as exc:
            self.rollback()
            raise self.translate(exc) from exc

    def rollback(self) -> None:
        """ROLLBACK, if a transaction is open."""
        conn = self.connection
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("rollback")

    def close(self) -> None:
        self.connection.close()
