"""Helpers for the tests of the peers' SQLite stores (tests/test_peers_*.py): a source file
watched for any change, and the tree an import made, by source ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import threadtree

class Untouched:
    """The bytes, modification time and neighbours of a source file, taken now, so that
    :meth:`check` can say nothing changed: same bytes, same mtime, no new file beside it
    (no -wal, -shm or -journal appeared)."""

    def __init__(self, path: os.PathLike[str] | str) -> None:
        self.path = Path(path)
        self.state = self._state()

    def _state(self) -> tuple[bytes, int, list[str]]:
        return self.path.read_bytes(), self.path.stat().st_mtime_ns, sorted(os.listdir(self.path.parent))

    def check(self) -> None:
        data, mtime, neighbours = self._state()
        assert neighbours == self.state[2], "files appeared or vanished beside the source"
        assert mtime == self.state[1], "the source's modification time changed"
        assert data == self.state[0], "the source's bytes changed"


def shape(store: threadtree.Store, thread_id: str) -> tuple[dict[str, tuple[str | None, str, str]], str | None]:
    """{source_id: (parent's source_id, role, content)} of every entry, and the live leaf's source_id."""
    entries = store.entries(thread_id)
    by_id = {e.id: e for e in entries}
    tree = {e.source_id: (by_id[e.parent_id].source_id if e.parent_id else None, e.role, e.content) for e in entries}
    leaf = store.get_thread(thread_id).current_leaf_id
    return tree, (by_id[leaf].source_id if leaf else None)


def cli_import(db: os.PathLike[str] | str, source: os.PathLike[str] | str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``threadtree --db DB import SOURCE`` in a real process."""
    return subprocess.run(
        [sys.executable, "-m", "threadtree", "--db", str(db), "import", str(source), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def live_items(store: threadtree.Store, thread_id: str) -> list[Any]:
    """The items of the thread's live path, as a ThreadTreeSession reads them."""
    return [e.item for e in store.path(thread_id)]
