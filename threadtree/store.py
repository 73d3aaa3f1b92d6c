"""The Store: threads and their trees of entries in one database (an SQLite file by default).

Glossary:

thread
    A conversation. It holds a forest of entries and a *current leaf*.
entry
    One message: role, content, an optional JSON item. Every entry but a root has one parent
    in the same thread; ids only grow, so a parent is always older than its children.
root
    An entry without a parent (depth 0). A thread may have several.
leaf
    An entry without children: the tip of a branch.
current leaf
    The leaf of the *live* branch (any entry, in fact: after a rewind it may have children).
    ``None`` means the live path is empty.
path
    The entries from a root down to an entry, root first. The live path ends at the current
    leaf.
fork
    A new child of any entry; the earlier history is shared, never copied.

Every write is one transaction that reads what it depends on (the current leaf above all)
under the write lock: two processes appending to one thread always make a
chain, never a fork nobody asked for. Input is checked before the transaction opens, so a
rejected call has written nothing. Reads that take more than one statement run in one read
transaction and see a single snapshot.

A Store may be shared by the threads of one process (calls are serialised by a lock); it must
not cross a ``fork()``: open a new one in each process.

The Store is a facade: its methods come from the parts in ``threadtree._api`` (threads,
writing and reading the tree, navigation, views, agent state, jobs, workflow runs), each of
which checks its input, opens one transaction on the storage floor (``threadtree._db``) and
builds records.
"""

from __future__ import annotations

import os

from . import _validate
from ._api.jobs import Jobs
from ._api.navigation import Navigation
from ._api.reading import Reading
from ._api.runs import Runs
from ._api.state import AgentState
from ._api.threads import Threads
from ._api.views import Views
from ._api.writing import Writing
from ._db import Database, open_database
from ._db.postgres.url import is_url
from ._db.sqlite import default_path
from .errors import InvalidInput

__all__ = ["Store", "database_of", "open"]


class Store(Threads, Writing, Reading, Navigation, Views, AgentState, Jobs, Runs):
    """Branching conversations in one database. Create one with :func:`threadtree.open`.

    Use it as a context manager, or call :meth:`close`, to release the file.
    """

    __slots__ = ("_db", "_max_size")

    def __init__(self, db: Database, *, max_size: int = _validate.DEFAULT_MAX_SIZE) -> None:
        self._db = db
        self._max_size = max_size

    @property
    def filename(self) -> str:
        """The database file this store was opened on (``":memory:"`` for a memory store; for a
        PostgreSQL store its URL without the password)."""
        return self._db.target

    @property
    def max_size(self) -> int:
        """The cap on one content or title (characters) and one item or metadata (bytes of
        JSON): larger values raise :class:`InvalidInput` (see :func:`threadtree.open`)."""
        return self._max_size

    @property
    def readonly(self) -> bool:
        """Whether the store was opened with ``readonly=True`` (every write then raises)."""
        return self._db.readonly

    def __repr__(self) -> str:
        state = " closed" if self._db.closed else ""
        return f"<threadtree.Store filename={self._db.target!r}{state}>"

    def close(self) -> None:
        """Close the database file. Closing twice is harmless; any other call then raises."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def database_of(store: Store) -> Database:
    """The storage floor under ``store``: the package-internal way in for the code that works
    beside the Store's parts (the agents session, the importers), never a public API."""
    return store._db


def open(
    path: str | bytes | os.PathLike[str] | None = None,
    *,
    synchronous: str = "FULL",
    timeout: float = 5.0,
    readonly: bool = False,
    max_size: int = _validate.DEFAULT_MAX_SIZE,
) -> Store:
    """Open (creating and migrating as needed) a threadtree database and return its Store.

    :param path: the database file; ``":memory:"`` for a private in-memory database; a
        ``postgresql://`` (or ``postgres://``) URL for a PostgreSQL server (needs
        ``pip install 'threadtree[postgres]'``; see the README); ``None`` for ``$THREADTREE_DB``
        (a file or a URL; set but empty raises :class:`InvalidInput`), else
        ``threadtree.db`` in the user data directory (see :func:`threadtree.default_path`;
        that folder is created when missing).
    :param synchronous: ``"FULL"`` (default): a write acknowledged by a return survives power
        loss. ``"NORMAL"``: faster commits; a power loss can drop the last writes (never
        corrupt the file).
    :param timeout: seconds a write waits for other writers before raising :class:`Busy`.
    :param readonly: read without changing the file in any way: nothing is created or
        migrated, and every write raises :class:`ThreadTreeError`. The file must exist and be
        at this threadtree's schema version. Works on a file this user may not write (a
        read-only folder or file system): then no -wal or -shm file is made beside it, and if
        another process writes to the file later, calls raise :class:`ThreadTreeError` (open
        it again) rather than return out-of-date rows.
    :param max_size: the largest content or title (in characters) and item or metadata (in
        bytes of JSON) a write accepts, 64 MiB by default; a larger one raises
        :class:`InvalidInput` before anything is copied into SQLite.
    :raises SchemaError: the file is not a threadtree database, is damaged or cut short (shorter
        than its header says), or was written by a newer threadtree; it is left unchanged.
        Read-only, also a file that needs migrating.
    :raises ThreadTreeError: the file cannot be opened (a directory, a named pipe or device, a
        missing folder; for writing, a file or folder this user may not write, a read-only file
        system; read-only, no file, or a -wal holding changes that cannot be read without a
        -shm file that cannot be made).
    :raises InvalidInput: a bad argument.

    >>> with threadtree.open(":memory:") as store:
    ...     store.create_thread("demo").title
    'demo'
    """
    mode = _validate.synchronous(synchronous)
    wait = _validate.timeout(timeout)
    readonly = _validate.flag(readonly, "readonly")
    cap = _validate.max_size(max_size)
    from_env = os.environ.get("THREADTREE_DB") if path is None else None
    if from_env is not None and is_url(from_env):
        filename = from_env
    elif path is None:
        target = default_path()
        if "THREADTREE_DB" not in os.environ and not readonly:
            target.parent.mkdir(parents=True, exist_ok=True)
        filename = str(target)
    elif isinstance(path, (str, bytes, os.PathLike)):
        filename = os.fsdecode(path)
        if not filename:
            raise InvalidInput("path must not be empty (use ':memory:' for a memory database)")
    else:
        raise InvalidInput(f"path must be a str, bytes, a path or None, not {type(path).__name__}")
    db = open_database(filename, synchronous=mode, timeout=wait, readonly=readonly)
    return Store(db, max_size=cap)
