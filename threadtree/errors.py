"""The errors threadtree raises on purpose.

Every one of them derives from :class:`ThreadTreeError`, and each also derives from the
built-in exception a Python programmer would reach for (``LookupError``, ``ValueError``,
``TimeoutError``), so both ``except threadtree.NotFound`` and ``except LookupError`` work.

Errors of SQLite that have no meaning for threadtree (I/O failure, a full disk, corruption
found in the middle of a query) pass through as :mod:`apsw` exceptions: callers can tell "my
input was wrong" from "the disk broke". Whatever the error, a write that raised left the
database as it was before the call, with one exception documented in the README: an I/O
error from the sync that follows a commit record may leave that commit applied, so after an
``apsw.IOError`` re-read before retrying a write.
"""

from __future__ import annotations

__all__ = ["Ambiguous", "Busy", "Conflict", "InvalidInput", "NotFound", "SchemaError", "ThreadTreeError"]


class ThreadTreeError(Exception):
    """Base class of every error threadtree raises on purpose.

    Raised as itself for a store that is closed or used from another process, and for a
    database file that cannot be opened at all.
    """


class NotFound(ThreadTreeError, LookupError):
    """A thread or entry id does not exist."""


class InvalidInput(ThreadTreeError, ValueError):
    """An argument was rejected before anything was written.

    Covers wrong types and values (an empty role, NaN inside an item, a lone surrogate in a
    text, a limit below 1) and ids that exist but do not fit (an entry of another thread
    given as a parent or rewind target).
    """


class Ambiguous(InvalidInput):
    """A name given for a thread (an id prefix, a title) fits more than one thread.

    Raised by :meth:`threadtree.Store.resolve_thread`; nothing was chosen, nothing written.
    A subclass of :class:`InvalidInput`, not of :class:`NotFound`: code that creates a thread
    when none is found must not create one when several are.

    :ivar candidates: the threads it fits (at most a few; the message says when there are
        more), as :class:`threadtree.Thread` records.
    """

    def __init__(self, message: str, candidates: tuple = ()) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


class Conflict(ThreadTreeError):
    """A compare-and-set lost (``expected_leaf_id`` did not match), or an id is already taken."""


class SchemaError(ThreadTreeError):
    """The file is not a threadtree database, is damaged, or was written by a newer threadtree.

    A file that raises this on open is left byte-for-byte as it was.
    """


class Busy(ThreadTreeError, TimeoutError):
    """Other writers held the database for longer than the store's busy timeout.

    Nothing was written; the same call can be retried.
    """
