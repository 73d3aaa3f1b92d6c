"""Threads: create, get, list, update, archive, delete."""

from __future__ import annotations

import re
import time

import pytest

from threadtree import Conflict, NotFound, Thread

from .helpers import logical_dump, raw_conn


class TestCreateThread:
    def test_a_new_thread_is_empty_and_returned(self, store):
        before = time.time()
        thread = store.create_thread("Trip", metadata={"owner": "ana", "tags": ["x"]}, thread_id="trip")
        assert isinstance(thread, Thread)
        assert (thread.id, thread.title, thread.metadata) == ("trip", "Trip", {"owner": "ana", "tags": ["x"]})
        assert thread.current_leaf_id is None
        assert not thread.archived and thread.archived_at is None
        assert before <= thread.created_at == thread.updated_at <= time.time()
        assert store.get_thread("trip") == thread

    def test_generated_ids_are_unique_hex(self, store):
        ids = {store.create_thread().id for _ in range(50)}
        assert len(ids) == 50
        assert all(re.fullmatch(r"[0-9a-f]{32}", tid) for tid in ids)

    def test_title_and_metadata_are_optional(self, store):
        thread = store.create_thread()
        assert thread.title is None and thread.metadata == {}

    def test_a_taken_id_is_a_conflict_and_writes_nothing(self, store, db_path, thread):
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match="'t' already exists"):
            store.create_thread("again", thread_id="t")
        assert logical_dump(db_path) == before

    @pytest.mark.parametrize(
        "thread_id",
        ["with space", "ünïcödé", "quote'\"", "100%_done", "a\x00b", "\x00leading-nul", "x" * 1000, "'); drop table threads; --"],
    )
    def test_odd_ids_round_trip(self, store, thread_id):
        store.create_thread("odd", thread_id=thread_id)
        assert store.get_thread(thread_id).id == thread_id
        store.append(thread_id, "user", "hi")
        assert [e.thread_id for e in store.path(thread_id)] == [thread_id]


class TestGetThread:
    def test_an_unknown_id_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope' does not exist"):
            store.get_thread("nope")

    def test_not_found_is_also_a_lookup_error(self, store):
        with pytest.raises(LookupError):
            store.get_thread("nope")

    def test_it_follows_the_current_leaf(self, store, thread):
        entry = store.append(thread.id, "user", "hi")
        assert store.get_thread(thread.id).current_leaf_id == entry.id


class TestListThreads:
    def _make(self, store, *titles):
        made = []
        for title in titles:
            made.append(store.create_thread(title))
            time.sleep(0.002)  # distinct updated_at values
        return made

    def test_most_recently_updated_first(self, store):
        a, b, c = self._make(store, "a", "b", "c")
        assert [t.id for t in store.list_threads()] == [c.id, b.id, a.id]
        store.append(a.id, "user", "bump")
        assert [t.id for t in store.list_threads()] == [a.id, c.id, b.id]

    def test_ties_are_broken_by_id(self, store):
        for tid in ("m", "z", "a"):
            store.create_thread(tid, thread_id=tid)
        raw_conn(store).execute("update threads set updated_at = 1")
        assert [t.id for t in store.list_threads()] == ["z", "m", "a"]

    def test_limit_and_offset_page_through(self, store):
        made = self._make(store, *"abcdefg")
        newest_first = [t.id for t in reversed(made)]
        pages = [store.list_threads(limit=3, offset=k) for k in (0, 3, 6)]
        assert [t.id for page in pages for t in page] == newest_first
        assert [t.id for t in store.list_threads(limit=None)] == newest_first
        assert store.list_threads(offset=7) == []

    def test_the_default_limit_is_fifty(self, store):
        for _ in range(55):
            store.create_thread()
        assert len(store.list_threads()) == 50

    def test_archived_threads_are_left_out_unless_asked(self, store):
        a, b = self._make(store, "a", "b")
        store.archive_thread(a.id)
        assert [t.id for t in store.list_threads()] == [b.id]
        assert {t.id for t in store.list_threads(include_archived=True)} == {a.id, b.id}

    def test_search_matches_title_substrings_ignoring_ascii_case(self, store):
        self._make(store, "Trip to Lisbon", "Grocery list", "LISBON again", None)
        assert [t.title for t in store.list_threads(search="lisbon")] == ["LISBON again", "Trip to Lisbon"]

    @pytest.mark.parametrize(
        "search, expected",
        [
            ("100%", ["100% sure"]),
            ("a_b", ["a_b"]),
            ("\\", ["back\\slash"]),
            ("%", ["100% sure"]),
            ("_", ["a_b"]),
        ],
    )
    def test_search_is_literal(self, store, search, expected):
        self._make(store, "100% sure", "1000 sure", "a_b", "axb", "back\\slash")
        assert [t.title for t in store.list_threads(search=search)] == expected

    def test_an_empty_search_is_no_filter(self, store):
        self._make(store, "a", None)
        assert len(store.list_threads(search="")) == 2


class TestUpdateThread:
    def test_title_and_metadata_are_replaced(self, store, thread):
        updated = store.update_thread(thread.id, title="New", metadata={"k": 1})
        assert (updated.title, updated.metadata) == ("New", {"k": 1})
        assert updated.updated_at >= thread.updated_at
        assert store.get_thread(thread.id) == updated

    def test_only_the_given_fields_change(self, store):
        store.create_thread("keep", metadata={"a": 1}, thread_id="x")
        assert store.update_thread("x", title="changed").metadata == {"a": 1}
        assert store.update_thread("x", metadata={"b": 2}).title == "changed"

    def test_title_none_removes_the_title(self, store, thread):
        assert store.update_thread(thread.id, title=None).title is None

    def test_nothing_given_changes_nothing(self, store, db_path, thread):
        before = logical_dump(db_path)
        assert store.update_thread(thread.id) == thread
        assert logical_dump(db_path) == before

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope'"):
            store.update_thread("nope", title="x")
        with pytest.raises(NotFound, match="'nope'"):
            store.update_thread("nope")


class TestArchive:
    def test_archive_and_unarchive(self, store, thread):
        archived = store.archive_thread(thread.id)
        assert archived.archived and archived.archived_at is not None
        assert store.archive_thread(thread.id).archived_at == archived.archived_at  # first time kept
        restored = store.unarchive_thread(thread.id)
        assert not restored.archived and restored.archived_at is None

    def test_an_archived_thread_keeps_working(self, store, thread):
        store.archive_thread(thread.id)
        store.append(thread.id, "user", "still here")
        assert [e.content for e in store.path(thread.id)] == ["still here"]

    @pytest.mark.parametrize("method", ["archive_thread", "unarchive_thread"])
    def test_an_unknown_thread_is_not_found(self, store, method):
        with pytest.raises(NotFound, match="'nope'"):
            getattr(store, method)("nope")


class TestDeleteThread:
    def test_the_thread_and_its_entries_go(self, store, db_path, thread, other_thread):
        store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])
        store.fork(store.path(thread.id)[1].id, "assistant", "branch")
        kept = store.append(other_thread.id, "user", "other")
        assert store.delete_thread(thread.id) == 6
        with pytest.raises(NotFound):
            store.get_thread(thread.id)
        dump = logical_dump(db_path)
        assert [row[0] for row in dump["entries"]] == [kept.id]
        assert [row[0] for row in dump["threads"]] == [other_thread.id]

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope'"):
            store.delete_thread("nope")

    def test_the_id_can_be_used_again(self, store, thread):
        store.append(thread.id, "user", "x")
        store.delete_thread(thread.id)
        assert store.create_thread("again", thread_id=thread.id).current_leaf_id is None
