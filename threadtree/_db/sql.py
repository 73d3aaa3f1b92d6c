"""The ``.sql`` files of one dialect: ``sql/<dialect>/migrations`` and ``sql/<dialect>/queries``.

Each engine owns a folder of its own under the repository's top-level ``sql/`` (``sql/sqlite``,
later ``sql/postgres``): two dialects share no file, so a change to one can never reach the
other by accident. In a wheel the folder is installed as ``threadtree/sql/`` (hatch
force-include); in a source checkout or an editable install it is read in place.

A query is read once and its text kept, so every call hands the driver the same string and
its statement cache (APSW's is keyed by the SQL text) hits. The comment that heads each file is
left out of that text, but for a line naming the query (``-- name``, so that a trace still says
which query ran, and two files of the same statement stay two texts): APSW hashes and compares
the whole text at every lookup of its cache (a few instructions a byte, and the heading is most
of a query's bytes), and a server parses it at every statement sent.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

__all__ = ["SqlFolder"]

_MIGRATION = re.compile(r"^(\d{4})_\w+\.sql$")


@functools.cache
def _root() -> Any:
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "sql", package.parent / "sql"):  # installed; in a checkout
        if folder.is_dir():
            return folder
    # Imported only here, where there are no folders (a zip import): importlib.resources took
    # a tenth of the start-up time of a CLI command (benchmarks/startup.py).
    from importlib.resources import files

    packaged = files("threadtree") / "sql"
    if packaged.is_dir():
        return packaged
    raise RuntimeError("threadtree was installed without its sql/ folder")


class SqlFolder:
    """The queries and migrations of ``dialect``, in ``root`` (default: ``sql/<dialect>``)."""

    def __init__(self, dialect: str, root: Any = None) -> None:
        self.dialect = dialect
        self._root = root
        self._texts: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<SqlFolder sql/{self.dialect}>"

    @property
    def root(self) -> Any:
        """The folder (a :class:`~pathlib.Path`, or a resource in a zip import)."""
        return _root() / self.dialect if self._root is None else self._root

    def query(self, name: str) -> str:
        """The text of ``sql/<dialect>/queries/<name>.sql``, its heading comment replaced by a
        line naming it (a line of comment inside the statement stays: it could be in a string)."""
        try:
            return self._texts[name]
        except KeyError:
            text = (self.root / "queries" / f"{name}.sql").read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            while lines and lines[0].lstrip().startswith("--"):
                del lines[0]
            self._texts[name] = text = f"-- {name}\n" + "".join(lines)
            return text

    def query_names(self) -> list[str]:
        """Every query file's name, for the tests that prepare and plan each of them."""
        return sorted(p.name[:-4] for p in (self.root / "queries").iterdir() if p.name.endswith(".sql"))

    @functools.cached_property
    def _migrations(self) -> tuple[tuple[int, str], ...]:
        steps = sorted(
            (int(m.group(1)), item.read_text(encoding="utf-8"))
            for item in (self.root / "migrations").iterdir()
            if (m := _MIGRATION.match(item.name))
        )
        if [n for n, _ in steps] != list(range(1, len(steps) + 1)):
            raise RuntimeError(f"sql/{self.dialect}/migrations is not numbered 1..{len(steps)}")
        return tuple(steps)

    def migrations(self) -> tuple[tuple[int, str], ...]:
        """``(number, script)`` for every migration, numbered 1..N without gaps."""
        return self._migrations
