"""The PostgreSQL engine: psycopg 3, one server connection, the ``sql/postgres/`` folder.

:func:`open_engine` connects, checks and migrates (see :mod:`.connect`); :class:`~.engine.
PostgresEngine` runs the transactions. psycopg is imported only when a ``postgresql://`` URL is
opened: ``import threadtree`` stays as fast as it was, and without the ``postgres`` extra a URL
raises a :class:`~threadtree.ThreadTreeError` that says what to install.
"""

from __future__ import annotations

import sys

from .url import is_url, redact

__all__ = ["driver_errors", "is_url", "open_engine", "redact"]


def open_engine(url: str, *, synchronous: str, timeout: float, readonly: bool):  # -> PostgresEngine
    """An engine on the server ``url`` names: connected, checked, migrated."""
    from .connect import connect

    return connect(url, synchronous=synchronous, timeout=timeout, readonly=readonly)


def driver_errors() -> tuple[type[BaseException], ...]:
    """psycopg's base error, if psycopg was imported (a PostgreSQL store was opened)."""
    psycopg = sys.modules.get("psycopg")
    return () if psycopg is None else (psycopg.Error,)
