"""Threads: create, read, list, update, archive, delete, and name one as people type it.

A thread is named by its id everywhere; :meth:`~Threads.resolve_thread` takes what a person
would type, git-style, and never guesses between two threads:

1. an exact id always wins (so every id that worked before still names the same thread);
2. ``id:TEXT`` names a thread by its id or a unique id prefix only, ``title:TEXT`` by its
   title only, for scripts that must not be surprised;
3. otherwise the text is tried as an id prefix (at least :data:`MIN_PREFIX` characters, so
   that a short word is never taken for one) and as a title (equal ignoring ASCII case, as
   :meth:`~Threads.find_thread` compares); exactly one thread must fit, counting both ways.

Each lookup is one index SEARCH: a range of the primary key for a prefix (``>=`` and ``<``
bounds, not LIKE, which would scan), the NOCASE title index for a title.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _validate
from .._db import threads
from .._sentinel import UNSET
from ..errors import Ambiguous, InvalidInput, NotFound
from ..records import Thread
from .base import StoreBase

__all__ = ["MIN_PREFIX", "Threads"]

MIN_PREFIX = 4
"""The shortest id prefix :meth:`Store.resolve_thread` accepts (git's shortest abbreviation):
with 32 hex digits, four already tell 65,536 threads apart."""

# Candidates shown in an Ambiguous error; one more is read to know there are more.
_SHOWN = 10


class Threads(StoreBase):
    """Threads (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    def create_thread(
        self,
        title: str | None = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        thread_id: str | None = None,
    ) -> Thread:
        """Create an empty thread and return it.

        :param title: free text, or ``None``.
        :param metadata: a dict of JSON values kept with the thread (default ``{}``).
        :param thread_id: the id to use; by default a random one (32 hex digits) is made.
        :raises Conflict: ``thread_id`` is taken.
        :raises InvalidInput: an argument has the wrong type or cannot be stored exactly.

        >>> store.create_thread("Trip planning", thread_id="trip").id
        'trip'
        >>> len(store.create_thread().id)
        32
        """
        title = _validate.optional_text(title, "title")
        _validate.size(title, "title", self._max_size)
        meta = _validate.metadata(metadata, limit=self._max_size)
        given = None if thread_id is None else _validate.thread_id(thread_id)
        _validate.size(given, "thread_id", self._max_size)
        with self._db.write() as tx:
            return threads.create(tx, given, title, meta)

    def get_thread(self, thread_id: str) -> Thread:
        """The thread ``thread_id``.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with self._db.use() as tx:
            return threads.get(tx, tid)

    def list_threads(
        self,
        *,
        limit: int | None = 50,
        offset: int = 0,
        search: str | None = None,
        include_archived: bool = False,
        created_after: float | None = None,
        created_before: float | None = None,
        updated_after: float | None = None,
        updated_before: float | None = None,
        order_by: str = "updated_at",
        descending: bool = True,
    ) -> list[Thread]:
        """Threads, most recently updated first (or as ``order_by`` and ``descending`` say),
        each with its ``entry_count`` and ``leaf_count`` filled in.

        The counts come with the threads in one statement (no query per thread). A page in
        ``updated_at`` or ``created_at`` order walks an index and costs the same however many
        threads the file holds; ``entry_count`` order counts every matching thread's entries.

        :param limit: at most this many (``None``: all).
        :param offset: skip this many first.
        :param search: keep threads whose title contains this text, matched literally
            (``%`` and ``_`` are plain characters) and case-insensitively for ASCII letters.
            ``None`` or ``""``: no filter.
        :param include_archived: also list archived threads.
        :param created_after: keep threads created strictly after this time (Unix seconds,
            an int or float); ``None``: no bound.
        :param created_before: keep threads created strictly before this time.
        :param updated_after: keep threads last updated strictly after this time.
        :param updated_before: keep threads last updated strictly before this time.
        :param order_by: ``"updated_at"`` (default), ``"created_at"`` or ``"entry_count"``
            (entries of every branch).
        :param descending: newest or largest first (default); ``False``: oldest or smallest
            first. Ties are ordered by id in the same direction, so pages are stable.
        :raises InvalidInput: ``limit`` below 1, ``offset`` below 0, ``search`` not a string,
            a flag not a bool, a time bound that is not a finite number, an unknown
            ``order_by``.

        >>> old = store.create_thread("old", thread_id="old")
        >>> _ = store.append("old", "user", "hi")
        >>> new = store.create_thread("new", thread_id="new")
        >>> [(t.id, t.entry_count, t.leaf_count) for t in store.list_threads(order_by="entry_count")]
        [('old', 1, 1), ('new', 0, 0)]
        >>> [t.id for t in store.list_threads(created_after=new.created_at)]
        []
        """
        n = _validate.limit(limit)
        skip = _validate.offset(offset)
        text = _validate.optional_text(search, "search")
        bindings = {
            "include_archived": _validate.flag(include_archived, "include_archived"),
            "search": text or None,
            "created_after": _validate.time_bound(created_after, "created_after"),
            "created_before": _validate.time_bound(created_before, "created_before"),
            "updated_after": _validate.time_bound(updated_after, "updated_after"),
            "updated_before": _validate.time_bound(updated_before, "updated_before"),
            "order_by": _validate.thread_order(order_by),
            "descending": _validate.flag(descending, "descending"),
            "limit": -1 if n is None else n,
            "offset": skip,
        }
        with self._db.use() as tx:
            return threads.list_page(tx, bindings)

    def update_thread(self, thread_id: str, *, title: Any = UNSET, metadata: Any = UNSET) -> Thread:
        """Replace the title and/or the metadata of a thread; return the thread.

        Arguments not given are left as they are; ``title=None`` removes the title.

        :raises NotFound: there is no such thread.
        :raises InvalidInput: a value has the wrong type or cannot be stored exactly.
        """
        tid = _validate.thread_id(thread_id)
        set_title, set_metadata = title is not UNSET, metadata is not UNSET
        if not (set_title or set_metadata):
            return self.get_thread(tid)
        new_title = _validate.optional_text(title, "title") if set_title else None
        _validate.size(new_title, "title", self._max_size)
        bindings = {
            "thread_id": tid,
            "set_title": set_title,
            "title": new_title,
            "set_metadata": set_metadata,
            "metadata": _validate.metadata(metadata, limit=self._max_size) if set_metadata else None,
        }
        return self._thread_write("update_thread", tid, bindings)

    def archive_thread(self, thread_id: str) -> Thread:
        """Archive a thread: it stays whole but leaves the default listing. Returns it.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        return self._thread_write("archive_thread", tid, {"thread_id": tid})

    def unarchive_thread(self, thread_id: str) -> Thread:
        """Undo :meth:`archive_thread`. Returns the thread.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        return self._thread_write("unarchive_thread", tid, {"thread_id": tid})

    def _thread_write(self, query: str, tid: str, bindings: dict[str, Any]) -> Thread:
        with self._db.write() as tx:
            return threads.update(tx, query, tid, bindings)

    def delete_thread(self, thread_id: str) -> int:
        """Delete a thread and all its entries; return how many entries went with it.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with self._db.write() as tx:
            return threads.delete(tx, tid)

    def find_thread(self, name: str) -> Thread:
        """The most recently updated thread whose title equals ``name``, ignoring the case of
        ASCII letters (the folding of :meth:`list_threads`' ``search``: ``"É"`` and ``"é"``
        differ). Archived threads are left out, as :meth:`list_threads` leaves them out by
        default. The thread carries ``entry_count`` and ``leaf_count``.

        :raises NotFound: no thread that is not archived has that title.
        :raises InvalidInput: ``name`` is not a non-empty string.

        >>> _ = store.create_thread("Trip to Lisbon", thread_id="trip")
        >>> store.find_thread("trip to LISBON").id
        'trip'
        """
        title = _validate.name(name, "name")
        with self._db.use() as tx:
            found = threads.find_by_title(tx, title)
        if found is None:
            raise NotFound(f"no thread is titled {title!r} (ignoring case; archived threads are not searched)")
        return found

    def resolve_thread(self, text: str) -> Thread:
        """The one thread ``text`` names: its id, a unique id prefix, or its title.

        Tried in this order: an exact id (it always wins); with ``id:`` in front, only an id
        or id prefix; with ``title:`` in front, only a title; otherwise an id prefix of at
        least :data:`~threadtree._api.threads.MIN_PREFIX` characters *and* a title, and exactly one
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
        with self._db.snapshot() as tx:
            exact = threads.listed(tx, given)
            if exact:
                return exact[0]
            prefix, _, rest = given.partition(":")
            kind: str | None = prefix
            if prefix not in ("id", "title"):
                kind, rest = None, given
            elif not rest:
                raise InvalidInput(f"thread {given!r}: nothing after {prefix + ':'!r}")
            by_id = by_title = []
            if kind != "title" and len(rest) >= MIN_PREFIX:
                by_id = threads.by_id_range(tx, rest, _after_prefix(rest), _SHOWN + 1)
            if kind != "id":
                by_title = threads.by_title(tx, rest, _SHOWN + 1)
            return _one(given, rest, by_id, by_title, kind)


def _after_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``: the prefix
    with its last character incremented (trailing U+10FFFF dropped first). Surrogates cannot
    be stored, so the step from U+D7FF goes to U+E000. With no such string (a prefix of
    U+10FFFF only), ``None``: no upper bound."""
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return None
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
