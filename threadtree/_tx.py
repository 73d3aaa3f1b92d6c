"""Transactions on a Store's connection: ``with _Use(store)``, ``_Snapshot``, ``_Write``.

Every call of the store (and of the mixins that add calls to it) takes the connection through
one of these: one call at a time per store, a damaged value read back turned into
:class:`SchemaError`, and every write all-or-nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import apsw
import orjson

from ._connection import end_write
from ._json import DamagedText
from .errors import Busy, SchemaError, ThreadTreeError

if TYPE_CHECKING:
    from .store import Store

# What reading a value another tool wrote can raise: text that is not UTF-8 (APSW decoding
# it), an item or metadata that is not JSON (orjson), a content_path that leads nowhere.
_DAMAGED_VALUE = (UnicodeDecodeError, orjson.JSONDecodeError, DamagedText)


def _damaged(store: Store, exc: BaseException) -> SchemaError:
    return SchemaError(
        f"{store._filename!r} holds a value threadtree cannot read ({type(exc).__name__}: {exc}); "
        "it was written by another tool or damaged: run `threadtree check`"
    )


class _Use:
    """``with _Use(store) as conn``: one call's exclusive use of the store's connection.

    Enough for a read of a single statement, which SQLite runs on one snapshot. Context
    managers here are small classes, not generators: they sit on every call's hot path.
    """

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> apsw.Connection:
        return self._store._acquire()

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self._store._lock.release()
        _after(self._store, exc)


class _Snapshot(_Use):
    """A read of several statements, all on one snapshot (a read transaction)."""

    __slots__ = ()

    def __enter__(self) -> apsw.Connection:
        conn = self._store._acquire()
        try:
            conn.execute("BEGIN")
        except BaseException:
            self._store._lock.release()
            raise
        return conn

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            _end_read(self._store._conn)
        finally:
            self._store._lock.release()
        _after(self._store, exc)


def _after(store: Store, exc: BaseException | None) -> None:
    """What a call's end may still have to say: that the file changed under a store reading
    it without locks (its guard), which makes any result or error of the call void; else
    that a value read back was damaged."""
    if store._guard is not None:
        try:
            store._guard()
        except ThreadTreeError as changed:
            raise changed from exc
    if isinstance(exc, _DAMAGED_VALUE):
        raise _damaged(store, exc) from exc


def _end_read(conn: apsw.Connection) -> None:
    """End a read transaction. Nothing was written, so there is nothing to lose: an error
    here (SQLite reports a damaged file again on COMMIT) must not hide the read's own result
    or error. The connection is out of the transaction either way."""
    try:
        conn.execute("COMMIT")
    except apsw.Error:
        if not conn.get_autocommit():
            conn.execute("ROLLBACK")


class _Write(_Use):
    """One all-or-nothing write (see ``_connection.WriteTransaction``). Raise inside the block
    to write nothing. Waiting too long for other writers raises Busy."""

    __slots__ = ()

    def __enter__(self) -> apsw.Connection:
        store = self._store
        if store._readonly:
            raise ThreadTreeError(f"the store on {store._filename!r} was opened read-only")
        conn = store._acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")  # waits for other writers, GIL released
        except apsw.BusyError as exc:
            store._lock.release()
            raise Busy(
                f"database {store._filename!r} stayed locked by other writers for more than "
                f"{store._timeout:g} s; nothing was written"
            ) from exc
        except BaseException:
            store._lock.release()
            raise
        return conn

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            end_write(self._store._conn, exc_type is None)
        finally:
            self._store._lock.release()
        _after(self._store, exc)
