"""``threadtree copy-database SRC DST``: a whole database into an empty one, on either engine.

It opens two databases of its own, so :func:`~threadtree.cli.main` runs it without a store,
and a ``--db`` given with it is refused (which of the two would it be?). On a terminal, a line
of stderr shows the table being copied and the rows so far. The name is not ``copy``: that
command copies a path into a new thread (``Store.copy_thread``) and keeps doing so.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import threadtree

from .._db.postgres.url import redact
from .._progress import ProgressLine

__all__ = ["add_copy_database", "cmd_copy_database"]

NAME = "copy-database"


def add_copy_database(command: Callable[..., argparse.ArgumentParser]) -> None:
    """The ``copy-database`` subcommand."""
    sub = command(
        NAME,
        cmd_copy_database,
        "copy a whole database into an empty one (SQLite file or postgresql:// URL, either way): "
        "threads, entries and their ids, leaf history, agent state, jobs, runs",
        json=True,
    )
    sub.add_argument("source", metavar="SRC", help="the database to copy: a file, or a postgresql:// URL (read only)")
    sub.add_argument(
        "destination",
        metavar="DST",
        help="an empty database: a new file, or a postgresql:// URL (a database or schema without threads or jobs)",
    )


class CopyProgress(ProgressLine):
    """Called as ``progress(table, rows of that table so far)`` by :func:`threadtree.copy_database`."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.table, self.before, self.rows = "", 0, 0

    def __call__(self, table: str, rows: int) -> None:
        if table != self.table:
            self.table, self.before = table, self.rows
        self.rows = self.before + rows
        self.tick()

    def line(self, now: float) -> str:
        return f"copying {self.table}: {self.rows:,} rows, {self.rate(self.rows, now):,.0f} rows/s"


def cmd_copy_database(store: Any, args: argparse.Namespace, out: Any) -> int:
    started = time.perf_counter()
    progress = CopyProgress(sys.stderr)  # on a terminal only
    try:
        counts = threadtree.copy_database(args.source, args.destination, progress=progress)
    finally:
        progress.close()
    seconds = time.perf_counter() - started
    if args.json:
        out.json({"tables": counts, "seconds": round(seconds, 3)})
        return 0
    rows = sum(counts.values())
    listed = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    out.line(
        f"copied {rows} rows ({listed or 'an empty database'}) from {redact(args.source)} "
        f"to {redact(args.destination)} in {seconds:.2f} s ({rows / max(seconds, 1e-9):,.0f} rows/s)"
    )
    return 0
