"""The storage floor: the only code of threadtree that runs SQL.

What it offers the code above it (the Store's parts in ``threadtree._api``, the agents
session, the importers) is this package-internal API:

- :class:`Database` (``database.py``): one open database, its lock and process check, and its
  three kinds of transaction, ``use()``, ``snapshot()`` and ``write()``, each giving a
  :class:`~.engine.Tx`; :func:`open_database` makes one.
- storage functions of ``(tx, ...)`` grouped by concern: :mod:`.threads`, :mod:`.tree`,
  :mod:`.imports`, :mod:`.state` (checkpoints, events, tool calls), :mod:`.jobs` (jobs and
  tools), :mod:`.checks`. They run named queries; each engine's ``sql/<dialect>/`` folder holds
  the text.
- engines (``engine.py`` says what one must provide and :class:`~.engine.Features` what it can
  do): :mod:`.sqlite` (the default) and :mod:`.postgres` (a ``postgresql://`` URL).
"""

from __future__ import annotations

from .database import Database
from .engine import Engine, Features, Tx, UniqueViolation

__all__ = ["Database", "Features", "Tx", "UniqueViolation", "open_database"]


def open_database(target: str, *, synchronous: str, timeout: float, readonly: bool) -> Database:
    """Open ``target`` (a file name, ``":memory:"``, or a ``postgresql://`` URL) with the engine
    that serves it.

    :raises SchemaError: not a threadtree database, damaged, newer (read-only: older or empty).
    :raises ThreadTreeError: it cannot be opened at all.
    :raises Busy: other processes kept it locked for longer than ``timeout``.
    """
    from . import postgres

    if postgres.is_url(target):
        engine: Engine = postgres.open_engine(target, synchronous=synchronous, timeout=timeout, readonly=readonly)
    else:
        from .sqlite import open_engine

        engine = open_engine(target, synchronous=synchronous, timeout=timeout, readonly=readonly)
    return Database(engine, readonly=readonly, timeout=timeout)


def driver_errors() -> tuple[type[BaseException], ...]:
    """The base error classes of the database drivers in use: what a database raises that
    threadtree does not translate (I/O failure, a full disk, damage met mid-query). For a
    command line that reports every failure in one line."""
    from .postgres import driver_errors as postgres_errors
    from .sqlite.engine import DRIVER_ERRORS

    return DRIVER_ERRORS + postgres_errors()
