"""The :class:`Database`: one engine's connection, its lock, and the three kinds of transaction.

Every call of the store goes through one of them::

    with db.use() as tx:        # one statement: SQLite runs it on one snapshot
    with db.snapshot() as tx:   # several statements on one snapshot (a read transaction)
    with db.write() as tx:      # one all-or-nothing write; raise inside to write nothing

One call at a time per database (an ``RLock``: the threads of a process may share a store);
never in another process than the one that opened it (a connection must not cross
``fork()``); a value another tool wrote that threadtree cannot read is reported as
:class:`~threadtree.SchemaError` naming the file. The context managers are small classes, not
generators, and are made once per database: they sit on every call's hot path.
"""

from __future__ import annotations

import os
import threading

import orjson

from .._json import DamagedText
from ..errors import SchemaError, ThreadTreeError
from .engine import Engine, Features, Tx

__all__ = ["Database"]

# What reading a value another tool wrote can raise: text that is not UTF-8 (the driver
# decoding it), an item or metadata that is not JSON (orjson), a content_path that leads nowhere.
_DAMAGED_VALUE = (UnicodeDecodeError, orjson.JSONDecodeError, DamagedText)

# Engines of databases closed in a forked child: closing them there could checkpoint or unlink
# the parent's WAL (or end the parent's server session), so they are kept, never used, instead.
_ABANDONED: list[Engine] = []


class Database:
    """One open database: ``use()``, ``snapshot()`` and ``write()`` give its :class:`Tx`.

    :param engine: the open engine (e.g. ``threadtree._db.sqlite.open_engine(...)``).
    :param readonly: refuse every write with :class:`ThreadTreeError`.
    :param timeout: seconds a write waits for other writers (for messages; the engine waits).
    """

    def __init__(self, engine: Engine, *, readonly: bool, timeout: float) -> None:
        self._engine: Engine | None = engine
        self.features: Features = engine.features
        self.target = engine.target
        self.readonly = readonly
        self.timeout = timeout
        self.lock = threading.RLock()
        self._pid = os.getpid()
        self._use, self._snapshot, self._write = _Use(self), _Snapshot(self), _Write(self)

    def __repr__(self) -> str:
        state = "" if self._engine is not None else " closed"
        return f"<Database {self.features.name} {self.target!r}{state}>"

    @property
    def closed(self) -> bool:
        return self._engine is None

    def use(self) -> _Use:
        """``with db.use() as tx``: exclusive use of the connection for one statement."""
        return self._use

    def snapshot(self) -> _Snapshot:
        """``with db.snapshot() as tx``: several statements on one snapshot."""
        return self._snapshot

    def write(self) -> _Write:
        """``with db.write() as tx``: one all-or-nothing write (raise inside to write nothing).

        :raises ThreadTreeError: the database was opened read-only.
        :raises Busy: other writers kept the lock for longer than the timeout; nothing was written.
        """
        return self._write

    def engine(self) -> Engine:
        """The engine, for what only it can do (tests, checks); takes no lock."""
        if self._engine is None:
            raise ThreadTreeError(f"the store on {self.target!r} is closed")
        return self._engine

    def close(self) -> None:
        """Close the connection. Closing twice is harmless; any other call then raises."""
        with self.lock:
            engine, self._engine = self._engine, None
            if engine is None:
                return
            if os.getpid() != self._pid:
                _ABANDONED.append(engine)
                return
            engine.close()

    def acquire(self) -> Engine:
        """Take the lock and return the engine; on failure, release and raise."""
        self.lock.acquire()
        engine = self._engine
        if engine is not None and self._pid == os.getpid():
            if engine.guard is not None:  # before reading: nothing has changed the file under it
                try:
                    engine.guard()
                except BaseException:
                    self.lock.release()
                    raise
            return engine
        self.lock.release()
        if engine is None:
            raise ThreadTreeError(f"the store on {self.target!r} is closed")
        raise ThreadTreeError(
            f"this store was opened in process {self._pid}: open a new store in each process "
            "(a database connection must not cross fork())"
        )

    def after(self, engine: Engine | None, exc: BaseException | None) -> None:
        """What the end of a call may still have to say: that the file changed under an engine
        reading it without locks (its guard), which voids any result or error of the call; else
        that a value read back was damaged."""
        if engine is not None and engine.guard is not None:
            try:
                engine.guard()
            except ThreadTreeError as changed:
                raise changed from exc
        if isinstance(exc, _DAMAGED_VALUE):
            raise self.damaged(exc) from exc

    def damaged(self, exc: BaseException) -> SchemaError:
        return SchemaError(
            f"{self.target!r} holds a value threadtree cannot read ({type(exc).__name__}: {exc}); "
            "it was written by another tool or damaged: run `threadtree check`"
        )


class _Use:
    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    def __enter__(self) -> Tx:
        return self._db.acquire().tx

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        db = self._db
        engine = db._engine
        db.lock.release()
        db.after(engine, exc)


class _Snapshot(_Use):
    __slots__ = ()

    def __enter__(self) -> Tx:
        engine = self._db.acquire()
        try:
            engine.begin_read()
        except BaseException:
            self._db.lock.release()
            raise
        return engine.tx

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        db = self._db
        engine = db._engine  # None: closed inside the block, which ended it
        try:
            if engine is not None:
                engine.end_read()
        finally:
            db.lock.release()
        db.after(engine, exc)


class _Write(_Use):
    __slots__ = ()

    def __enter__(self) -> Tx:
        db = self._db
        if db.readonly:
            raise ThreadTreeError(f"the store on {db.target!r} was opened read-only")
        engine = db.acquire()
        try:
            engine.begin_write()
        except BaseException:
            db.lock.release()
            raise
        return engine.tx

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        db = self._db
        engine = db._engine
        try:
            if engine is not None:
                engine.end_write(exc_type is None)
        finally:
            db.lock.release()
        db.after(engine, exc)
