"""Finding one's way in big trees: search every branch, labels, the ``< 2/3 >`` branch points
and a switch that comes back to where a branch was left, copies that remember where they came
from, comparisons, and merging a branch's result back into the live path.

Each method checks its input, opens one transaction on the floor and builds records; a
rejected call has written nothing.
"""

from __future__ import annotations

from .. import _validate
from .._db import navigation
from .._sentinel import UNCHECKED
from ..errors import InvalidInput
from ..navigation import BranchPoint, Comparison, Label, SearchHit
from ..records import Entry, Thread
from .base import StoreBase, expected_leaf

__all__ = ["Navigation"]


class Navigation(StoreBase):
    """Search, labels, branch points, switch, copies, compare and merge (methods of
    :class:`threadtree.Store`)."""

    __slots__ = ()

    # -- search --

    def search(
        self, query: str, *, thread_id: str | None = None, limit: int = 20, include_hidden: bool = False
    ) -> list[SearchHit]:
        """Entries of every branch (of one thread, or of all) whose text holds every word and
        every quoted phrase of ``query``, best match first (bm25 on SQLite, ``ts_rank`` on
        PostgreSQL).

        Words are compared without case and accents (``cafe`` finds ``Café``); a word matches
        whole words only. Any text is a valid query: ``"grilled sardines" lisbon`` finds entries
        holding the phrase and the word; ``*``, ``-``, ``OR``, ``NEAR``, parentheses and SQL are
        searched for as text (those without letters or digits match nothing and are ignored
        beside other words). Each hit carries the entry, a snippet with the matches marked,
        and whether the entry is on its thread's live path.

        :param thread_id: search this thread only (default: every thread).
        :param limit: at most this many hits.
        :param include_hidden: also find hidden entries (system prompts, tool plumbing).
        :raises InvalidInput: an empty or blank query, one of more than 10,000 characters or
            100 words and phrases, a bad limit.
        :raises NotFound: ``thread_id`` does not exist.

        >>> thread = store.create_thread()
        >>> _ = store.append(thread.id, "user", "Grilled sardines in Lisbon?")
        >>> [hit.snippet for hit in store.search('"grilled sardines"')]
        ['«Grilled sardines» in Lisbon?']
        """
        phrases = _validate.search_query(query)
        tid = None if thread_id is None else _validate.thread_id(thread_id)
        n = _validate.limit(limit)
        if n is None:
            raise InvalidInput("limit must be an int of at least 1, not None")
        hidden = _validate.flag(include_hidden, "include_hidden")
        with self._db.snapshot() as tx:
            return navigation.search(tx, phrases, tid, n, hidden, pending=self._db.features.search_pending)

    # -- labels --

    def set_label(self, entry_id: int, name: str) -> Label:
        """Name an entry of a thread (a good path, a checkpoint in the talk). Names are unique
        within a thread: setting a name the thread already uses moves it to this entry. An entry
        may carry several names. Labels go when their entry's branch is deleted.

        :raises NotFound: the entry does not exist.
        :raises InvalidInput: an empty or blank name.
        """
        eid = _validate.entry_id(entry_id)
        label = _validate.name(name, "name")
        _validate.size(label, "name", self._max_size)
        with self._db.write() as tx:
            return navigation.set_label(tx, eid, label)

    def get_label(self, thread_id: str, name: str) -> Label:
        """The label ``name`` of the thread (its ``entry_id`` is the entry it names).

        :raises NotFound: no such thread, or no such label in it.
        """
        tid = _validate.thread_id(thread_id)
        label = _validate.name(name, "name")
        with self._db.snapshot() as tx:
            return navigation.get_label(tx, tid, label)

    def delete_label(self, thread_id: str, name: str) -> None:
        """Remove the label ``name`` from the thread (its entry stays).

        :raises NotFound: no such thread, or no such label in it; nothing was written.
        """
        tid = _validate.thread_id(thread_id)
        label = _validate.name(name, "name")
        with self._db.write() as tx:
            navigation.delete_label(tx, tid, label)

    def labels(self, thread_id: str) -> list[Label]:
        """Every label of the thread, by name.

        :raises NotFound: there is no such thread.
        """
        tid = _validate.thread_id(thread_id)
        with self._db.snapshot() as tx:
            return navigation.labels(tx, tid)

    # -- branch points and switch --

    def branch_points(self, thread_id: str, *, entry_id: int | None = None) -> list[BranchPoint]:
        """Where the live path (or the path down to ``entry_id``) could have gone otherwise:
        for each of its entries that has siblings, its position and their count ("2 of 3")
        and the siblings' ids, root first; one query, whatever the depth.

        :raises NotFound: the thread or ``entry_id`` does not exist.
        :raises InvalidInput: ``entry_id`` belongs to another thread.
        """
        tid = _validate.thread_id(thread_id)
        eid = _validate.optional_entry_id(entry_id, "entry_id")
        with self._db.snapshot() as tx:
            return navigation.branch_points(tx, tid, eid)

    def switch(self, entry_id: int, *, expected_leaf_id: int | None = UNCHECKED) -> Entry:
        """Make the branch through ``entry_id`` live, as a chat app's ``< 2/3 >`` switcher does,
        and return the entry the current leaf moved to: the leaf that was live the last time
        that branch was (each move of the leaf away from a branch is remembered in the file),
        else the branch's newest leaf. A branch that is live already stays as it is. Recorded
        as ``switch`` in :meth:`leaf_history`.

        Its cost is that of the branch below ``entry_id``, whatever its depth.

        :param expected_leaf_id: compare-and-set: switch only if the current leaf is this id
            (``None``: an empty live path), as a viewer does with the leaf its page showed.
        :raises NotFound: the entry does not exist.
        :raises Conflict: the current leaf is not ``expected_leaf_id``; nothing was written.
        """
        eid = _validate.entry_id(entry_id)
        expected = expected_leaf(expected_leaf_id)
        with self._db.write() as tx:
            return navigation.switch(tx, eid, expected)

    # -- copies --

    def copy_thread(self, entry_id: int, *, start_id: int | None = None, title: str | None = None) -> Thread:
        """A new thread holding a copy of the path from the root (or from ``start_id``, an
        entry on that path: a tail) down to ``entry_id``, that branch made a conversation of
        its own. The copies keep role, text, item, times, hidden flags, source ids and usage;
        the new thread keeps the metadata and (unless ``title`` is given) the title, and
        names its origin in ``origin_thread_id`` and ``origin_entry_id``. Its live path is the
        whole copy. See :meth:`forks_of` for the other direction.

        :raises NotFound: ``entry_id`` or ``start_id`` does not exist.
        :raises InvalidInput: ``start_id`` is in another thread, or not on the path to
            ``entry_id``.
        """
        eid = _validate.entry_id(entry_id)
        start = _validate.optional_entry_id(start_id, "start_id")
        new_title = _validate.optional_text(title, "title")
        _validate.size(new_title, "title", self._max_size)
        with self._db.write() as tx:
            return navigation.copy_thread(tx, eid, start, new_title)

    def forks_of(self, thread_id: str) -> list[Thread]:
        """The threads :meth:`copy_thread` made from ``thread_id``, oldest first (copies of
        those copies are listed under them).

        :raises NotFound: no such thread, and no copy names it.
        """
        tid = _validate.thread_id(thread_id)
        with self._db.snapshot() as tx:
            return navigation.forks_of(tx, tid)

    # -- compare and merge --

    def compare(self, a_id: int, b_id: int) -> Comparison:
        """Two entries side by side: their deepest common ancestor and the path of each below
        it (the data behind ``threadtree diff``).

        :raises NotFound: either entry does not exist.
        """
        a = _validate.entry_id(a_id, "a_id")
        b = _validate.entry_id(b_id, "b_id")
        with self._db.snapshot() as tx:
            return navigation.compare(tx, a, b)

    def merge(self, leaf_id: int, content: str, *, role: str = "assistant", thread_id: str | None = None) -> Entry:
        """Bring a branch's result back into the live path: append under the live leaf an
        entry holding ``content`` (a summary you wrote of the branch ending at ``leaf_id``),
        with ``merged_from`` set to ``leaf_id``. The leaf moves to it; the branch stays. The
        link is kept by ``export --format jsonl`` and its restore.

        :param thread_id: the thread to merge into: by default ``leaf_id``'s own; else a thread
            that ``leaf_id``'s thread is a copy of (see :meth:`copy_thread`), to merge a copy's
            result back into its origin.
        :raises NotFound: the entry or the thread does not exist.
        :raises InvalidInput: ``leaf_id`` is on the live path it would be merged into (the
            branch is live: a merge of a branch into itself), or belongs to a thread that is
            not ``thread_id`` nor a copy of it; a bad role or content.
        """
        eid = _validate.entry_id(leaf_id, "leaf_id")
        message = _validate.message(role, content, None, limit=self._max_size)
        tid = None if thread_id is None else _validate.thread_id(thread_id)
        with self._db.write() as tx:
            return navigation.merge(tx, eid, message, tid)
