"""The .sql files of the repository's top-level sql/ folder.

In a wheel they are installed as threadtree/sql/ (hatch force-include); in a source checkout
or an editable install they are read in place. Texts are cached, so every call passes APSW the
same string and its statement cache (keyed by SQL text) hits.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

_MIGRATION = re.compile(r"^(\d{4})_\w+\.sql$")


@functools.lru_cache(maxsize=None)
def _root():
    package = Path(__file__).resolve().parent
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


@functools.lru_cache(maxsize=None)
def query(name: str) -> str:
    """The text of ``sql/queries/<name>.sql``."""
    return (_root() / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def query_names() -> list[str]:
    """Every query file's name, for the tests that prepare and plan each of them."""
    return sorted(p.name[:-4] for p in (_root() / "queries").iterdir() if p.name.endswith(".sql"))


@functools.lru_cache(maxsize=None)
def migrations() -> tuple[tuple[int, str], ...]:
    """``(number, script)`` for every migration, numbered 1..N without gaps."""
    steps = sorted(
        (int(m.group(1)), item.read_text(encoding="utf-8"))
        for item in (_root() / "migrations").iterdir()
        if (m := _MIGRATION.match(item.name))
    )
    if [n for n, _ in steps] != list(range(1, len(steps) + 1)):
        raise RuntimeError(f"sql/migrations is not numbered 1..{len(steps)}")
    return tuple(steps)
