"""Reading another program's SQLite file without changing it: the stores threadtree imports
from (an Agents SDK session file, llm's ``logs.db``, a LangGraph checkpoint file).

Why here: only the storage floor runs SQL. Why the standard library's ``sqlite3`` and not the
engine's APSW: this is not a threadtree database and never becomes one (no migration, no
checks of ours, no write), and the statements are the peers' schemas, kept apart in
``sql/peers/queries`` (one statement a file, as for the engine).

Opening never writes and never leaves a file beside the source:

* a file in rollback-journal mode is opened ``mode=ro``: reads take SQLite's shared lock, so a
  writer of the app waits for the import, and nothing is created;
* a file in WAL mode whose app is running (its ``-wal`` and ``-shm`` files are there) is opened
  ``mode=ro`` too: it reads the app's WAL, creating nothing;
* a file in WAL mode without them (the app closed it, as ``SQLiteSession`` does) is opened
  ``immutable=1``: SQLite would otherwise create a ``-wal`` and a ``-shm`` beside it that a
  read-only connection cannot remove. No lock is taken then, so :meth:`PeerFile.changed` says
  whether the file changed under the import (an app started writing), and the readers stop.

Every read of one file runs in one read transaction: one snapshot of the whole file.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .sql import SqlFolder

__all__ = ["SQLITE_HEADER", "PeerFile", "is_sqlite", "schema_of"]

SQLITE_HEADER = b"SQLite format 3\x00"
SQL = SqlFolder("peers")
_BATCH = 2000  # rows fetched at a time


def is_sqlite(head: bytes) -> bool:
    """Whether a file's first bytes are an SQLite database header."""
    return head.startswith(SQLITE_HEADER) and len(head) >= 100


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


class PeerFile:
    """One peer's SQLite file, open read-only (see the module docstring for how).

    :raises InvalidInput: the file is not an SQLite database or cannot be opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            with self.path.open("rb") as f:
                header = f.read(100)
        except OSError as exc:
            raise InvalidInput(f"cannot read {str(self.path)!r}: {exc.strerror or exc}") from None
        if not is_sqlite(header):
            raise InvalidInput(f"{str(self.path)!r} is not an SQLite database")
        wal_mode = header[18] == 2 or header[19] == 2
        app_running = all(Path(f"{self.path}{end}").exists() for end in ("-wal", "-shm"))
        self.immutable = wal_mode and not app_running
        self._stamp = _stat(self.path)
        flags = "mode=ro&immutable=1" if self.immutable else "mode=ro"
        try:
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?{flags}", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise InvalidInput(f"{str(self.path)!r} cannot be opened as an SQLite database: {exc}") from None
        try:
            self._conn.execute("begin")  # one snapshot for every read of the import
            self.tables = self._tables()
            self.application_id = self.value("application_id")
        except BaseException:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"<PeerFile {str(self.path)!r}{' immutable' if self.immutable else ''}>"

    def _tables(self) -> dict[str, frozenset[str]]:
        columns: dict[str, set[str]] = {}
        for table, column in self.rows("schema_columns"):
            columns.setdefault(table, set()).add(column)
        return {table: frozenset(names) for table, names in columns.items()}

    def rows(self, name: str, bindings: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql/peers/queries/<name>.sql``, read a batch at a time.

        :raises InvalidInput: SQLite failed (a damaged file), naming the file and the query.
        """
        try:
            cursor = self._conn.execute(SQL.query(name), bindings or {})
            while batch := cursor.fetchmany(_BATCH):
                yield from batch
        except sqlite3.Error as exc:
            raise InvalidInput(f"{str(self.path)!r}: reading {name} failed: {exc}") from None

    def records(self, name: str, bindings: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The rows of a query as dicts by column name: for a peer whose columns vary from one
        version to the next (a query selecting ``*``).

        :raises InvalidInput: as :meth:`rows`.
        """
        try:
            cursor = self._conn.execute(SQL.query(name), bindings or {})
            names = [column[0] for column in cursor.description]
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    yield dict(zip(names, row))
        except sqlite3.Error as exc:
            raise InvalidInput(f"{str(self.path)!r}: reading {name} failed: {exc}") from None

    def value(self, name: str, bindings: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row of a query, or ``None``."""
        for row in self.rows(name, bindings):
            return row[0]
        return None

    def changed(self) -> bool:
        """Whether the file changed since it was opened (only possible when it was opened
        ``immutable``: otherwise the snapshot holds)."""
        return self.immutable and _stat(self.path) != self._stamp

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PeerFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@functools.lru_cache(maxsize=8)
def _schema(path: str, stamp: tuple[int, int] | None) -> tuple[int, dict[str, frozenset[str]]] | None:
    try:
        with PeerFile(path) as peer:
            return peer.application_id, peer.tables
    except InvalidInput:
        return None


def schema_of(path: str | os.PathLike[str]) -> tuple[int, dict[str, frozenset[str]]] | None:
    """``(application_id, {table: columns})`` of an SQLite file, ``None`` when it cannot be read:
    what the readers' ``sniff`` recognise a file by. Kept for the file as it is (size and
    modification time), so that detection opens it once, not once per reader."""
    target = Path(path).resolve()
    return _schema(str(target), _stat(target))
