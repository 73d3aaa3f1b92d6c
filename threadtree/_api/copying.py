"""Moving a whole database to another engine, or another place: :func:`copy_database`."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from .._db.copy import Progress, copy_into
from .._db.postgres.url import is_url, redact
from ..errors import InvalidInput
from ..store import Store, database_of
from ..store import open as open_store

__all__ = ["copy_database"]

Target = str | os.PathLike[str] | Store


def copy_database(source: Target, destination: Target, *, progress: Progress | None = None) -> dict[str, int]:
    """Copy everything of the database ``source`` into the empty database ``destination``.

    Each is an SQLite file name, a ``postgresql://`` URL or an open :class:`Store`: so a
    database moves between engines (SQLite to PostgreSQL and back) with nothing lost. Every
    row of every table goes across as it is: threads with their titles, times, metadata,
    sources and the lineage of copies; entries with their ids, items (text stored once),
    hidden flags, usage, source ids and merges; leaf history and the leaves branches were left
    at; labels; checkpoints, events and their floors, tool calls and tools; jobs; workflow
    runs with their branch runs, leaf runs and decisions. New entry ids in the destination
    start above every id the source ever handed out.

    The source is read in one snapshot (opened read-only when given by name) and the
    destination written in one transaction: if anything fails, nothing is written. A name of a
    destination that does not exist is created (an empty database).

    :param progress: called as ``progress(table, rows_so_far)`` as each batch lands.
    :returns: the rows copied, per table.
    :raises Conflict: the destination is not empty (it holds a thread or a job).
    :raises InvalidInput: source and destination are the same database; or a value the
        destination cannot hold (PostgreSQL text has no NUL character), naming the table.
    :raises ThreadTreeError: either cannot be opened (the source must exist and be a
        threadtree database at this version); a :class:`SchemaError` for one that is not.
    """
    _refuse_same(source, destination)
    with contextlib.ExitStack() as opened:
        src = _store(source, readonly=True, opened=opened)
        dst = _store(destination, readonly=False, opened=opened)
        if database_of(src) is database_of(dst):
            raise InvalidInput("source and destination are the same database")
        return copy_into(database_of(src), database_of(dst), progress=progress)


def _store(target: Target, *, readonly: bool, opened: contextlib.ExitStack) -> Store:
    if isinstance(target, Store):
        return target
    if not isinstance(target, (str, os.PathLike)):
        raise InvalidInput(f"a database is a file name, a URL or a Store, not {type(target).__name__}")
    return opened.enter_context(open_store(target, readonly=readonly))


def _refuse_same(source: Target, destination: Target) -> None:
    """Refuse one database named twice (the same file by any path, the same URL but for its
    password) before either is opened: copying it into itself could only fail."""
    a, b = (_key(target) for target in (source, destination))
    if a is not None and a == b:
        raise InvalidInput(f"source and destination are the same database: {_shown(source)}")


def _key(target: Target) -> Any:
    name = target.filename if isinstance(target, Store) else os.fspath(target)
    if is_url(name):
        return redact(name).replace("postgres://", "postgresql://", 1)
    if name == ":memory:":
        return id(target) if isinstance(target, Store) else None  # each ":memory:" is its own
    try:
        stat = os.stat(name)
    except OSError:
        return os.path.realpath(name)
    return (stat.st_dev, stat.st_ino)


def _shown(target: Target) -> str:
    if isinstance(target, Store):
        return repr(target.filename)
    return repr(redact(os.fspath(target)))
