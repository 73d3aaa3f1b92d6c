"""Sources and hidden entries in the core store: source_id as an idempotency key, find_entry,
messages(include_hidden=), and the migration that added them."""

from __future__ import annotations

import pytest

import threadtree
from threadtree import Conflict, InvalidInput, NotFound
from threadtree._db.sqlite import SQL as _sql

from .helpers import constraint_error, logical_dump, raw_conn


def test_a_retried_append_returns_the_entry_the_first_attempt_wrote(store, thread):
    first = store.append(thread.id, "user", "hi", item={"a": 1}, source_id="msg-1")
    before = logical_dump(store.filename)
    again = store.append(thread.id, "user", "hi", item={"a": 1}, source_id="msg-1", expected_leaf_id=None)
    assert again == first
    assert logical_dump(store.filename) == before  # nothing written, not even updated_at


@pytest.mark.parametrize("change", [
    {"role": "assistant"}, {"content": "other"}, {"item": {"a": 2}},
])
def test_the_same_source_id_with_other_data_is_a_conflict_naming_what_differs(store, thread, change):
    store.append(thread.id, "user", "hi", item={"a": 1}, source_id="msg-1")
    before = logical_dump(store.filename)
    call = {"role": "user", "content": "hi", "item": {"a": 1}} | change
    with pytest.raises(Conflict, match=f"source_id 'msg-1' and a different {next(iter(change))}"):
        store.append(thread.id, call["role"], call["content"], item=call["item"], source_id="msg-1")
    assert logical_dump(store.filename) == before


def test_source_ids_are_per_thread(store, thread, other_thread):
    a = store.append(thread.id, "user", "hi", source_id="k")
    b = store.append(other_thread.id, "user", "hi", source_id="k")
    assert a.id != b.id
    assert store.find_entry(thread.id, "k") == a
    assert store.find_entry(other_thread.id, "k") == b


def test_fork_takes_a_source_id_and_hidden(store, thread):
    root = store.append(thread.id, "user", "q")
    forked = store.fork(root.id, "system", "note", source_id="n1", hidden=True)
    assert (forked.source_id, forked.hidden) == ("n1", True)
    assert store.fork(root.id, "system", "note", source_id="n1", hidden=True) == forked
    assert store.get_entry(forked.id) == forked


def test_a_retried_extend_is_safe_and_a_partly_new_one_is_refused(store, thread):
    msgs = [{"role": "user", "content": "a", "source_id": "1"}, {"role": "assistant", "content": "b", "source_id": "2"}]
    written = store.extend(thread.id, msgs)
    assert store.extend(thread.id, msgs) == written
    with pytest.raises(Conflict, match=r"messages\[2\] is new"):
        store.extend(thread.id, [*msgs, {"role": "user", "content": "c", "source_id": "3"}])
    with pytest.raises(Conflict, match="already has an entry with source_id '2'"):
        store.extend(thread.id, [{"role": "user", "content": "x"}, msgs[1]])
    assert [e.content for e in store.path(thread.id)] == ["a", "b"]


def test_an_extend_with_a_source_id_twice_names_both_messages(store, thread):
    with pytest.raises(InvalidInput, match=r"messages\[1\].source_id 'k' is also the source_id of messages\[0\]"):
        store.extend(thread.id, [{"role": "user", "content": "a", "source_id": "k"},
                                 {"role": "user", "content": "b", "source_id": "k"}])


@pytest.mark.parametrize("bad, match", [("", "source_id must be a non-empty"), (7, "source_id must be a string"),
                                        (" ", "non-empty")])
def test_bad_source_ids_and_hidden_flags_are_refused(store, thread, bad, match):
    with pytest.raises(InvalidInput, match=match):
        store.append(thread.id, "user", "x", source_id=bad)
    with pytest.raises(InvalidInput, match="hidden must be True or False"):
        store.append(thread.id, "user", "x", hidden=1)
    assert store.entries(thread.id) == []


def test_find_entry_tells_a_missing_thread_from_a_missing_entry(store, thread):
    with pytest.raises(NotFound, match="thread 'nope' does not exist"):
        store.find_entry("nope", "k")
    with pytest.raises(NotFound, match="has no entry with source_id 'k'"):
        store.find_entry(thread.id, "k")


def test_messages_leave_hidden_entries_out_unless_asked(store, thread):
    store.append(thread.id, "system", "You are terse.", hidden=True)
    store.append(thread.id, "user", "hi")
    store.append(thread.id, "tool", "plumbing", hidden=True)
    store.append(thread.id, "assistant", "yo")
    assert [m["content"] for m in store.messages(thread.id)] == ["hi", "yo"]
    assert [m["content"] for m in store.messages(thread.id, limit=1)] == ["yo"]
    assert len(store.messages(thread.id, include_hidden=True)) == 4
    assert [m["content"] for m in store.messages(thread.id, include_hidden=True, limit=2)] == ["plumbing", "yo"]
    with pytest.raises(InvalidInput, match="include_hidden"):
        store.messages(thread.id, include_hidden="yes")


def test_a_file_of_the_first_schema_is_migrated_and_keeps_everything(db_path):
    import apsw

    # A file as threadtree 0.1 (schema 1) wrote it.
    conn = apsw.Connection(str(db_path))
    with conn:
        conn.execute(_sql.migrations()[0][1])
        conn.pragma("user_version", 1)
        conn.execute("insert into threads (id, title, created_at, updated_at) values ('old', 'old', 1, 1)")
        conn.execute("insert into entries (thread_id, parent_entry_id, role, content, created_at, depth) values "
                     "('old', null, 'user', 'kept', 1, 0), ('old', 1, 'assistant', 'branch', 2, 1)")
        conn.execute("update threads set current_leaf_id = 2")
    conn.close()
    with threadtree.open(db_path) as store:
        entries = store.entries("old")
        assert [(e.content, e.source_id, e.hidden) for e in entries] == [("kept", None, False), ("branch", None, False)]
        thread = store.get_thread("old")
        assert (thread.source_format, thread.source_id) == (None, None)
        assert store.check() == []
        store.append("old", "user", "new", source_id="s")
    assert logical_dump(db_path)["user_version"] == len(_sql.migrations())


def test_the_schema_refuses_a_duplicate_source_id_and_half_a_thread_source(store, thread, db_path):
    store.append(thread.id, "user", "a", source_id="k")
    conn = raw_conn(store)
    with pytest.raises(constraint_error(db_path)):
        conn.execute("insert into entries (thread_id, role, content, created_at, depth, source_id) "
                     "values ('t', 'user', 'b', 0, 0, 'k')")
    with pytest.raises(constraint_error(db_path)):
        conn.execute("update threads set source_format = 'chatgpt' where id = 't'")
    with pytest.raises(constraint_error(db_path)):
        conn.execute("update entries set hidden = 2")
