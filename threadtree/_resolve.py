"""Naming a thread the way people type it: an id prefix or a title (issue 15).

A mixin of :class:`threadtree.Store`; its methods are the store's.

Thread ids are 32 hex digits by default: nobody types them. :meth:`~ThreadLookup.resolve_thread`
takes what a person would type, git-style, and never guesses between two threads:

1. an exact id always wins (so every id that worked before still names the same thread);
2. ``id:TEXT`` names a thread by its id or a unique id prefix only, ``title:TEXT`` by its
   title only, for scripts that must not be surprised;
3. otherwise the text is tried as an id prefix (at least :data:`MIN_PREFIX` characters, so
   that a short word is never taken for one) and as a title (equal ignoring ASCII case, as
   :meth:`find_thread` compares); exactly one thread must fit, counting both ways.

Each lookup is one index SEARCH: a range of the primary key for a prefix (``>=`` and ``<``
bounds, not LIKE, which would scan), the NOCASE title index for a title.
"""

from __future__ import annotations

from typing import Any

from . import _sql, _validate
from ._tx import _Snapshot
from .errors import Ambiguous, InvalidInput, NotFound
from .records import Thread

__all__ = ["MIN_PREFIX", "ThreadLookup"]

MIN_PREFIX = 4
"""The shortest id prefix :meth:`Store.resolve_thread` accepts (git's shortest abbreviation):
with 32 hex digits, four already tell 65,536 threads apart."""

# Candidates shown in an Ambiguous error; one more is read to know there are more.
_SHOWN = 10

q = _sql.query


def _after_prefix(prefix: str) -> str | bytes:
    """The smallest string greater than every string that starts with ``prefix``: the prefix
    with its last character incremented (trailing U+10FFFF dropped first). Surrogates cannot
    be stored, so the step from U+D7FF goes to U+E000. With no such string (a prefix of
    U+10FFFF only), a blob, which SQLite sorts after every text."""
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return b""
    code = ord(stem[-1]) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return stem[:-1] + chr(code)


def _describe(thread: Thread) -> str:
    """``id 'title'``, the title on one line and cut to 40 characters: an error names up to
    ten of them, on one line."""
    title = None if thread.title is None else " ".join(thread.title.split())
    title = "no title" if title is None else repr(title if len(title) <= 40 else title[:39] + "…")
    return f"{thread.id} {title}{', archived' if thread.archived else ''}"


class ThreadLookup:
    """:meth:`resolve_thread` (a method of :class:`threadtree.Store`)."""

    __slots__ = ()

    def resolve_thread(self, text: str) -> Thread:
        """The one thread ``text`` names: its id, a unique id prefix, or its title.

        Tried in this order: an exact id (it always wins); with ``id:`` in front, only an id
        or id prefix; with ``title:`` in front, only a title; otherwise an id prefix of at
        least :data:`~threadtree._resolve.MIN_PREFIX` characters *and* a title, and exactly one
        thread may fit the two together. Titles compare ignoring ASCII case, as
        :meth:`find_thread` does, but archived threads count here too (``unarchive`` must find
        them). The thread carries ``entry_count`` and ``leaf_count``.

        :raises NotFound: no thread fits.
        :raises Ambiguous: several threads fit (its ``candidates`` lists them): give more of
            the id, or say ``id:`` or ``title:``.
        :raises InvalidInput: ``text`` is not a non-empty string.

        >>> _ = store.create_thread("Trip planning", thread_id="4f2a9c0e")
        >>> _ = store.create_thread("Trip planning, again", thread_id="4f2b11d7")
        >>> store.resolve_thread("4f2a").id, store.resolve_thread("trip PLANNING").id
        ('4f2a9c0e', '4f2a9c0e')
        >>> store.resolve_thread("4f2")
        Traceback (most recent call last):
        ...
        threadtree.errors.NotFound: thread '4f2' does not exist (an id prefix needs at least 4 characters)
        """
        given = _validate.name(text, "thread")
        with _Snapshot(self) as conn:  # type: ignore[arg-type]
            exact = self._threads_in_range(conn, given, given + "\x00", 1)  # ids are BINARY: just `given`
            if exact:
                return exact[0]
            kind, _, rest = given.partition(":")
            if kind not in ("id", "title"):
                kind, rest = None, given
            elif not rest:
                raise InvalidInput(f"thread {given!r}: nothing after {kind + ':'!r}")
            by_id = by_title = []
            if kind != "title" and len(rest) >= MIN_PREFIX:
                by_id = self._threads_in_range(conn, rest, _after_prefix(rest), _SHOWN + 1)
            if kind != "id":
                by_title = self._titled(conn, rest)
            return self._one(given, rest, by_id, by_title, kind)

    @staticmethod
    def _threads_in_range(conn: Any, low: str, high: str | bytes, limit: int) -> list[Thread]:
        rows = conn.execute(q("threads_by_id_prefix"), {"low": low, "high": high, "limit": limit})
        return [Thread.from_row(row) for row in rows]

    @staticmethod
    def _titled(conn: Any, title: str) -> list[Thread]:
        rows = conn.execute(q("threads_titled"), {"title": title, "limit": _SHOWN + 1})
        return [Thread.from_row(row) for row in rows]

    @staticmethod
    def _one(given: str, text: str, by_id: list[Thread], by_title: list[Thread], kind: str | None) -> Thread:
        """The single thread of the two lists, or the error that says why there is none."""
        short = len(text) < MIN_PREFIX
        by_id = [t for t in by_id if t.id.startswith(text)]  # the bounds already ensure it
        found = {t.id: t for t in [*by_id, *by_title]}
        if len(found) == 1:
            return next(iter(found.values()))
        if not found:
            hint = f" (an id prefix needs at least {MIN_PREFIX} characters)" if short and kind != "title" else ""
            if kind == "title":
                raise NotFound(f"no thread is titled {text!r}")
            if kind == "id":
                raise NotFound(f"no thread id starts with {text!r}{hint}")
            raise NotFound(f"thread {text!r} does not exist{hint}")
        candidates = list(found.values())
        prefixed = {t.id for t in by_id}
        more = len(by_id) > _SHOWN or len(by_title) > _SHOWN
        listed = "; ".join(
            f"{_describe(t)} ({'id prefix' if t.id in prefixed else 'title'})" for t in candidates[:_SHOWN]
        ) + ("; and more" if more else "")
        titled = {t.id for t in by_title}
        if not titled:
            how = "give more of the id"
        elif not prefixed:
            how = "name it by its id (a unique prefix will do)"
        else:
            how = f"write id:{text} or title:{text}"
        raise Ambiguous(
            f"{given!r} fits {len(candidates)}{' or more' if more else ''} threads: {listed}. To choose, {how}",
            tuple(candidates[:_SHOWN]),
        )
