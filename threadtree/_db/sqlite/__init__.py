"""The SQLite engine: APSW, one file (or memory), the ``sql/sqlite/`` folder.

:func:`open_engine` opens, checks and migrates a file (see :mod:`.connect` for the order and
why); :class:`~.engine.SQLiteEngine` runs the transactions.
"""

from __future__ import annotations

from .connect import APPLICATION_ID, connect, default_path
from .engine import FEATURES, SQL, SQLiteEngine, SQLiteTx

__all__ = ["APPLICATION_ID", "FEATURES", "SQL", "SQLiteEngine", "SQLiteTx", "default_path", "open_engine"]


def open_engine(filename: str, *, synchronous: str, timeout: float, readonly: bool) -> SQLiteEngine:
    """An engine on ``filename`` (``":memory:"`` works): opened, checked, migrated."""
    conn, guard = connect(filename, synchronous=synchronous, timeout=timeout, readonly=readonly)
    return SQLiteEngine(conn, filename, timeout, guard)
