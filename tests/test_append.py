"""append and extend: new entries under the current leaf (or a chosen parent)."""

from __future__ import annotations

import time

import pytest

from threadtree import Conflict, Entry, InvalidInput, NotFound

from .helpers import contents, logical_dump, raw_conn


class TestAppend:
    def test_the_first_append_makes_a_root_and_moves_the_leaf(self, store, thread):
        before = time.time()
        entry = store.append(thread.id, "user", "hello")
        assert isinstance(entry, Entry)
        assert (entry.thread_id, entry.parent_id, entry.depth, entry.role, entry.content) == (
            thread.id, None, 0, "user", "hello",
        )
        assert entry.item is None
        assert before <= entry.created_at <= time.time()
        assert store.get_thread(thread.id).current_leaf_id == entry.id

    def test_appends_chain_under_the_leaf(self, store, thread):
        entries = [store.append(thread.id, "user" if k % 2 == 0 else "assistant", f"m{k}") for k in range(5)]
        assert [e.parent_id for e in entries] == [None] + [e.id for e in entries[:-1]]
        assert [e.depth for e in entries] == [0, 1, 2, 3, 4]
        assert store.path(thread.id) == entries

    def test_the_returned_record_equals_the_stored_one(self, store, thread):
        entry = store.append(thread.id, "assistant", "with item", item={"role": "assistant", "tool_calls": [1]})
        assert store.get_entry(entry.id) == entry

    def test_touches_updated_at(self, store, thread):
        time.sleep(0.002)
        store.append(thread.id, "user", "x")
        assert store.get_thread(thread.id).updated_at > thread.updated_at

    @pytest.mark.parametrize(
        "item",
        [
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
            [1, 2.5, "three", None, True, {"nested": [[]]}],
            "just text",
            0,
            -(2**63),
            2**64 - 1,
            1e-300,
            -0.0,
            False,
            {"": {"\x00": "nul", "emoji": "🌳", "rtl": "\u202eabc"}},
        ],
        ids=repr,
    )
    def test_items_come_back_equal(self, store, thread, item):
        entry = store.append(thread.id, "assistant", "x", item=item)
        stored = store.get_entry(entry.id).item
        assert stored == item and type(stored) is type(item)

    def test_an_item_is_a_copy_not_a_reference(self, store, thread):
        item = {"list": [1]}
        entry = store.append(thread.id, "user", "x", item=item)
        item["list"].append(2)
        assert entry.item == {"list": [1]}
        assert store.get_entry(entry.id).item == {"list": [1]}

    @pytest.mark.parametrize("content", ["", "a\x00b", "ünïcödé 🌳", "\u202e\u05e9\u05dc\u05d5\u05dd", "x" * 1_000_000])
    def test_content_round_trips(self, store, thread, content):
        entry = store.append(thread.id, "user", content)
        assert store.get_entry(entry.id).content == content

    @pytest.mark.parametrize("role", ["\x00", "\x00user", "assistant\x00", "🤖", "tool:search"])
    def test_any_non_blank_role_round_trips(self, store, thread, role):
        """A leading NUL too: SQLite's length() would call it empty, the schema must not."""
        entry = store.append(thread.id, role, "x")
        assert store.get_entry(entry.id).role == role

    def test_parent_id_appends_under_any_entry_of_the_thread(self, store, thread):
        a = store.append(thread.id, "user", "a")
        store.append(thread.id, "user", "b")
        c = store.append(thread.id, "user", "c", parent_id=a.id)
        assert (c.parent_id, c.depth) == (a.id, 1)
        assert contents(store.path(thread.id)) == ["a", "c"]

    def test_parent_id_none_starts_another_root(self, store, thread):
        store.append(thread.id, "user", "first root")
        second = store.append(thread.id, "user", "second root", parent_id=None)
        assert (second.parent_id, second.depth) == (None, 0)
        assert contents(store.path(thread.id)) == ["second root"]
        assert contents(store.leaves(thread.id)) == ["first root", "second root"]

    def test_after_a_rewind_to_empty_the_next_append_is_a_root(self, store, thread):
        store.append(thread.id, "user", "a")
        store.rewind(thread.id, None)
        assert store.append(thread.id, "user", "b").parent_id is None

    def test_a_parent_of_another_thread_is_refused(self, store, db_path, thread, other_thread):
        foreign = store.append(other_thread.id, "user", "elsewhere")
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=rf"parent_id {foreign.id} belongs to thread 'other'"):
            store.append(thread.id, "user", "x", parent_id=foreign.id)
        assert logical_dump(db_path) == before

    def test_an_unknown_parent_is_not_found(self, store, thread):
        with pytest.raises(NotFound, match=r"entry 999 \(parent_id\)"):
            store.append(thread.id, "user", "x", parent_id=999)

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope'"):
            store.append("nope", "user", "x")


class TestCompareAndSet:
    def test_the_write_happens_when_the_leaf_matches(self, store, thread):
        first = store.append(thread.id, "user", "a", expected_leaf_id=None)
        second = store.append(thread.id, "user", "b", expected_leaf_id=first.id)
        assert contents(store.path(thread.id)) == ["a", "b"]
        assert second.parent_id == first.id

    def test_a_stale_leaf_is_a_conflict_and_writes_nothing(self, store, db_path, thread):
        first = store.append(thread.id, "user", "a")
        store.append(thread.id, "user", "b")
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match=rf"thread 't' is at entry {first.id + 1}, not at expected_leaf_id {first.id}"):
            store.append(thread.id, "user", "late", expected_leaf_id=first.id)
        assert logical_dump(db_path) == before

    def test_expecting_an_empty_path(self, store, thread):
        store.append(thread.id, "user", "a")
        with pytest.raises(Conflict, match="not at expected_leaf_id None"):
            store.append(thread.id, "user", "b", expected_leaf_id=None)

    @pytest.mark.parametrize("method", ["extend", "fork", "rewind"])
    def test_every_leaf_moving_write_takes_it(self, store, db_path, thread, method):
        first = store.append(thread.id, "user", "a")
        store.append(thread.id, "user", "b")
        call = {
            "extend": lambda: store.extend(thread.id, [{"role": "user", "content": "c"}], expected_leaf_id=first.id),
            "fork": lambda: store.fork(first.id, "user", "c", expected_leaf_id=first.id),
            "rewind": lambda: store.rewind(thread.id, first.id, expected_leaf_id=first.id),
        }[method]
        before = logical_dump(db_path)
        with pytest.raises(Conflict):
            call()
        assert logical_dump(db_path) == before


class TestExtend:
    def test_messages_are_chained_in_one_go(self, store, thread):
        root = store.append(thread.id, "system", "be brief")
        added = store.extend(
            thread.id,
            [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello", "item": {"role": "assistant", "content": "hello"}},
                {"role": "user", "content": "bye"},
            ],
        )
        assert [e.parent_id for e in added] == [root.id, added[0].id, added[1].id]
        assert [e.depth for e in added] == [1, 2, 3]
        assert added[1].item == {"role": "assistant", "content": "hello"}
        assert store.path(thread.id) == [root, *added]
        assert len({e.created_at for e in added}) == 1  # one transaction, one time

    def test_generators_are_accepted(self, store, thread):
        added = store.extend(thread.id, ({"role": "user", "content": str(k)} for k in range(3)))
        assert contents(added) == ["0", "1", "2"]

    def test_parent_id_starts_the_chain_elsewhere(self, store, thread):
        a = store.append(thread.id, "user", "a")
        store.append(thread.id, "user", "b")
        added = store.extend(thread.id, [{"role": "user", "content": "c"}, {"role": "user", "content": "d"}], parent_id=a.id)
        assert added[0].parent_id == a.id
        assert contents(store.path(thread.id)) == ["a", "c", "d"]

    def test_an_empty_list_writes_nothing_but_checks_the_thread(self, store, db_path, thread):
        before = logical_dump(db_path)
        assert store.extend(thread.id, []) == []
        assert logical_dump(db_path) == before
        with pytest.raises(NotFound):
            store.extend("nope", [])

    def test_one_bad_message_writes_none_of_them(self, store, db_path, thread):
        store.append(thread.id, "user", "before")
        before = logical_dump(db_path)
        good = {"role": "user", "content": "fine"}
        with pytest.raises(InvalidInput, match=r"messages\[2\]\.item"):
            store.extend(thread.id, [good, good, {"role": "user", "content": "x", "item": float("inf")}, good])
        assert logical_dump(db_path) == before

    def test_a_database_failure_midway_writes_none_of_them(self, store, db_path, thread):
        """SQLite itself fails the third insert: the first two must roll back with it."""
        import apsw

        store.append(thread.id, "user", "before")
        before = logical_dump(db_path)
        raw_conn(store).execute(
            "create temp trigger fail_third before insert on entries when new.content = '2' "
            "begin select raise(abort, 'injected failure'); end"
        )
        with pytest.raises(apsw.ConstraintError, match="injected failure"):
            store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])
        assert logical_dump(db_path) == before
        raw_conn(store).execute("drop trigger fail_third")
        assert len(store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])) == 5

    @pytest.mark.parametrize(
        "messages, match",
        [
            ("not a list", "messages must be a list"),
            ({"role": "user", "content": "x"}, "messages must be a list"),
            (None, "messages must be a list"),
            ([["user", "x"]], r"messages\[0\] must be a dict"),
            ([{"role": "user"}], r"messages\[0\] has no 'content'"),
            ([{"content": "x"}], r"messages\[0\] has no 'role'"),
            ([{"role": "user", "content": "x", "itme": 1}], r"messages\[0\] has unknown keys \['itme'\]"),
            ([{"role": "", "content": "x"}], r"messages\[0\]\.role"),
            ([{"role": "user", "content": None}], r"messages\[0\]\.content"),
        ],
    )
    def test_malformed_messages_name_the_problem(self, store, thread, messages, match):
        with pytest.raises(InvalidInput, match=match):
            store.extend(thread.id, messages)
