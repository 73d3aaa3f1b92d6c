"""What a database engine must provide to the floor, and what it can do.

An *engine* here is one open connection to one database of one kind (an SQLite file today, a
PostgreSQL server next), behind a small interface: it begins and ends the three kinds of
transaction, hands out the :class:`Tx` that storage functions run their queries through, and
says in its :class:`Features` where it differs from the others, the way Django's
``db/backends/<engine>/features.py`` does. Nothing above ``threadtree._db`` knows which engine
it talks to; the storage functions (``_db/threads.py``, ``_db/tree.py``...) run named queries
and leave the dialect to the engine's own ``sql/<dialect>/`` folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ..errors import Conflict
from .sql import SqlFolder

__all__ = ["Bindings", "Engine", "Features", "Tx", "UniqueViolation"]

Bindings = Mapping[str, Any] | None


@attrs.frozen
class Features:
    """Where an engine differs from the others.

    :ivar name: ``"sqlite"`` or ``"postgres"``: the dialect of its ``sql/`` folder.
    :ivar one_writer: one write transaction at a time in the whole database (SQLite's write
        lock); otherwise writers serialise per thread only (a row lock on the thread).
    :ivar synchronous: commits follow the ``synchronous`` setting (``FULL`` or ``NORMAL``).
    :ivar damage: what the driver raises when it meets a damaged file or page mid-query
        (``check()`` reports it and stops instead of failing).
    :ivar search_pending: the search index takes new entries in batches, and a search matches
        the entries it has not taken yet on its own (``_db.navigation.search``).
    :ivar moves_on_entries: an append's or a fork's leaf move can be written with its entry
        (queries ``thread_leaf_seq`` and ``insert_moved_entry``; SQLite's migration 0011)
        instead of as a row of its own.
    :ivar add_in_one: the engine adds one entry in one statement (its query ``add_entry``, which
        moves the leaf and records the move too): a round trip instead of six to a server.
    """

    name: str
    one_writer: bool
    synchronous: bool
    damage: tuple[type[BaseException], ...] = ()
    search_pending: bool = False
    moves_on_entries: bool = False
    add_in_one: bool = False


class UniqueViolation(Conflict):
    """A statement was refused because a key is taken (a primary key or a unique constraint).

    Every engine raises this for its driver's own error, so that the storage functions can
    turn it into the :class:`~threadtree.Conflict` that names what was taken. Where none does,
    the caller still gets a Conflict.

    :ivar detail: the driver's message, which names the constraint or its columns.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(f"a key is taken: {detail}")
        self.detail = detail


class Tx(Protocol):
    """The open transaction a storage function runs its queries through.

    ``name`` is a query of the engine's ``sql/<dialect>/queries`` folder; ``bindings`` are
    named (``:thread_id``). Rows are tuples in the order of the query's select list.
    """

    features: Features

    def one(self, name: str, bindings: Bindings = None) -> tuple[Any, ...] | None:
        """The first row, or ``None``."""
        ...

    def value(self, name: str, bindings: Bindings = None) -> Any:
        """The first column of the first row, or ``None`` when there is no row."""
        ...

    def rows(self, name: str, bindings: Bindings = None) -> Iterable[tuple[Any, ...]]:
        """Every row, read as they are iterated (iterate them before the next query)."""
        ...

    def all(self, name: str, bindings: Bindings = None) -> list[tuple[Any, ...]]:
        """Every row, read at once."""
        ...

    def run(self, name: str, bindings: Bindings = None) -> int:
        """Run a statement to its end; return how many rows it changed."""
        ...

    def many(self, name: str, seq: Iterable[Mapping[str, Any]]) -> None:
        """Run a statement once for each bindings of ``seq``."""
        ...

    def stream(self, name: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of a query without bindings, in lists of at most ``size``, read from the
        database as they are asked for (a whole table need not fit in memory). Take them all
        before the next query of this transaction."""
        ...

    def load(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Write many rows at once with a bulk statement: an INSERT whose bindings are
        ``columns`` (SQLite), or a COPY of those columns (PostgreSQL); each row gives its
        values in the order of ``columns``."""
        ...


class Engine(Protocol):
    """One open connection of one engine. The :class:`~threadtree._db.Database` above it
    serialises calls (one at a time) and checks the process; the engine only talks to its
    database."""

    @property
    def features(self) -> Features: ...

    @property
    def sql(self) -> SqlFolder:
        """The engine's ``sql/<dialect>/`` folder."""
        ...

    @property
    def tx(self) -> Tx:
        """The transaction object storage functions run their queries through."""
        ...

    @property
    def target(self) -> str:
        """What was opened, fit for messages: a file name, or a URL without its password."""
        ...

    @property
    def guard(self) -> Callable[[], None] | None:
        """``None``, or a check the database calls before and after every call: it raises
        :class:`~threadtree.ThreadTreeError` once what the engine reads can no longer be
        trusted (a SQLite file read without locks that another process has since written)."""
        ...

    def begin_read(self) -> None:
        """Start a read transaction: every query until :meth:`end_read` sees one snapshot."""
        ...

    def end_read(self) -> None:
        """End a read transaction; never raises for a failure to end it (nothing was written)."""
        ...

    def begin_write(self) -> None:
        """Start a write transaction that holds the write lock from its first statement.

        :raises Busy: other writers held the lock for longer than the timeout.
        """
        ...

    def end_write(self, commit: bool) -> None:
        """COMMIT if ``commit``, else ROLLBACK; a failed COMMIT is rolled back and re-raised, so
        the connection is never left inside a transaction."""
        ...

    def close(self) -> None:
        """Close the connection (never called in a process the connection was not opened in)."""
        ...
