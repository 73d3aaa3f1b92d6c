"""SQLite's search index takes new entries in batches (migration 0010): the newest entries wait
in a pending list until 256 of them are indexed in one go, and a search matches the waiting
ones from a temporary index of its own. These tests look at the file under the store: what is
pending, what is indexed, and that search finds every entry wherever it is. SQLite only (the
other engine's index has no batches of its own to test)."""

from __future__ import annotations

import apsw
import pytest

import threadtree
from threadtree import InvalidInput

from .helpers import damage, logical_dump, raw_conn, schema_at

BATCH = 256  # the WHEN of trigger entries_search_batch


def pending(store) -> list[int]:
    return [eid for (eid,) in raw_conn(store).execute("select id from entries_search_pending order by id")]


def indexed(store) -> list[int]:
    return [eid for (eid,) in raw_conn(store).execute("select id from entries_search_docsize order by id")]


def fts_integrity(store) -> None:
    """FTS5's own check of the index against its content (every entry not pending)."""
    raw_conn(store).execute("insert into entries_search (entries_search, rank) values ('integrity-check', 1)")


def found(store, query: str, **kwargs) -> list[int]:
    return sorted(hit.entry.id for hit in store.search(query, limit=1000, **kwargs))


@pytest.fixture
def thread(store):
    return store.create_thread("t", thread_id="t")


def test_entries_wait_then_go_in_whole_batches_and_are_found_throughout(store, thread):
    first = store.extend("t", [{"role": "user", "content": f"walrus number {k}"} for k in range(BATCH - 1)])
    ids = [e.id for e in first]
    assert pending(store) == ids and indexed(store) == []
    assert found(store, "walrus") == ids
    last = store.append("t", "user", "the last walrus of the batch")
    assert pending(store) == [] and indexed(store) == ids + [last.id]
    assert found(store, "walrus") == ids + [last.id]
    after = store.append("t", "assistant", "a walrus after it")
    assert pending(store) == [after.id]
    assert found(store, "walrus") == ids + [last.id, after.id]
    fts_integrity(store)
    assert store.check() == []


def test_hits_of_the_index_and_of_the_pending_list_are_merged_best_first(store, thread):
    store.extend("t", [{"role": "user", "content": f"filler {k}"} for k in range(BATCH - 3)])
    old = store.append("t", "user", "kestrel")
    store.append("t", "user", "nothing here")
    store.append("t", "user", "nothing here either")  # the 256th: old is indexed now
    new = store.append("t", "user", "kestrel kestrel kestrel, a kestrel again")
    assert old.id in indexed(store) and pending(store) == [new.id]
    hits = store.search("kestrel")
    assert {h.entry.id for h in hits} == {old.id, new.id}
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)
    assert {h.snippet for h in hits} == {"«kestrel»", "«kestrel» «kestrel» «kestrel», a «kestrel» again"}
    assert [h.entry.id for h in store.search("kestrel", limit=1)] == [hits[0].entry.id]
    assert all(h.on_live_path for h in hits)
    assert store.search("kestrel", thread_id="t", include_hidden=True, limit=2) == hits


def test_hidden_entries_and_other_threads_are_filtered_in_the_pending_list_too(store, thread):
    other = store.create_thread()
    shown = store.append("t", "user", "a heron")
    hidden = store.append("t", "system", "a heron, hidden", hidden=True)
    elsewhere = store.append(other.id, "user", "a heron elsewhere")
    assert set(pending(store)) >= {shown.id, hidden.id, elsewhere.id}
    assert found(store, "heron") == [shown.id, elsewhere.id]
    assert found(store, "heron", include_hidden=True) == [shown.id, hidden.id, elsewhere.id]
    assert found(store, "heron", thread_id="t") == [shown.id]


def test_deletes_take_entries_out_of_the_index_and_of_the_pending_list(store, thread):
    root = store.append("t", "user", "root of the otters")
    branch = store.extend("t", [{"role": "user", "content": f"otter {k}"} for k in range(BATCH + 10)])
    assert pending(store) and indexed(store)  # the branch straddles a batch
    store.delete_branch(branch[0].id)
    assert pending(store) == [] and indexed(store) == [root.id]
    assert found(store, "otter") == []
    assert found(store, "otters") == [root.id]
    fts_integrity(store)
    assert store.check() == []


def test_a_rewritten_text_is_found_by_its_new_words_whether_indexed_or_pending(store):
    from threadtree.formats import Conversation, Node, _engine

    def write(text: str) -> None:
        nodes = [Node("r", None, "user", text, None), Node("s", "r", "assistant", "second " + text, None)]
        _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "s"))

    write("draft about walruses")
    written = pending(store)
    store.create_thread(thread_id="filler")
    store.extend("filler", [{"role": "user", "content": "x"} for _ in range(BATCH)])  # the two go in a batch
    assert len(written) == 2 and set(written) <= set(indexed(store)) and len(pending(store)) == 2
    write("final about narwhals")
    assert found(store, "walruses") == [] and len(found(store, "narwhals")) == 2
    write("again about dugongs")  # rewritten while pending
    assert found(store, "narwhals") == [] and len(found(store, "dugongs")) == 2
    fts_integrity(store)
    assert store.check() == []


def test_a_failed_write_at_a_batch_boundary_leaves_both_as_they_were(store, db_path, thread):
    store.extend("t", [{"role": "user", "content": f"pelican {k}"} for k in range(BATCH - 2)])
    before, waiting, held = logical_dump(db_path), pending(store), indexed(store)
    with pytest.raises(InvalidInput):
        store.extend("t", [{"role": "user", "content": "pelican"}] * 5 + [{"role": "", "content": "x"}])
    assert logical_dump(db_path) == before
    assert (pending(store), indexed(store)) == (waiting, held)
    assert len(found(store, "pelican")) == BATCH - 2
    fts_integrity(store)


def test_a_read_only_store_finds_the_pending_entries(store, db_path, thread):
    entry = store.append("t", "user", "a puffin")
    store.close()
    with threadtree.open(db_path, readonly=True) as readonly:
        assert [h.entry.id for h in readonly.search("puffin")] == [entry.id]
        assert readonly.check() == []
    with threadtree.open(db_path) as again:
        assert pending(again) == [entry.id]  # the search wrote nothing to the file


def test_check_names_pending_rows_that_match_no_entry_or_are_indexed_too(store, db_path, thread):
    gone = store.append("t", "user", "a gannet")
    kept = store.append("t", "user", "a cormorant")
    store.close()
    damage(
        db_path,
        f"delete from entries where id = {gone.id}",  # triggers off: its id stays pending
        f"insert into entries_search (rowid, content) values ({kept.id}, 'a cormorant')",  # indexed and pending
    )
    with threadtree.open(db_path) as reopened:
        problems = [(p.entry_id, p.message) for p in reopened.check() if p.kind == "search-index"]
        assert [eid for eid, _ in problems] == [gone.id, kept.id]
        assert "does not exist" in problems[0][1] and "count its words twice" in problems[1][1]
        assert reopened.search("gannet") == []


def test_a_file_of_schema_9_keeps_its_index_and_its_entries_are_found(db_path):
    old = schema_at(db_path, 9)
    old.execute("insert into threads (id, metadata, created_at, updated_at) values ('old', '{}', 0, 0)")
    for k in range(3):
        old.execute(
            "insert into entries (thread_id, role, content, created_at, depth) values ('old', 'user', ?, 0, 0)",
            (f"an albatross {k} from before",),
        )
    old.close()
    with threadtree.open(db_path) as store:
        assert len(found(store, "albatross")) == 3
        assert pending(store) == [] and len(indexed(store)) == 3  # the migration indexed them
        fts_integrity(store)
        assert store.check() == []


def test_the_raw_rebuild_command_indexes_exactly_the_entries_not_pending(store, thread):
    """'rebuild' (FTS5's repair) reads the index's content, the entries not pending, so it can
    never index a pending entry twice."""
    store.extend("t", [{"role": "user", "content": f"tern {k}"} for k in range(BATCH + 5)])
    waiting, held = pending(store), indexed(store)
    raw_conn(store).execute("insert into entries_search (entries_search) values ('rebuild')")
    assert (pending(store), indexed(store)) == (waiting, held)
    store.extend("t", [{"role": "user", "content": "tern"}] * (BATCH - len(waiting)))
    fts_integrity(store)
    assert len(found(store, "tern")) == 2 * BATCH


def test_a_statement_of_another_tool_keeps_the_index_in_step(store, db_path, thread):
    """The triggers hold for every connection: the sqlite3 shell adding and deleting rows."""
    store.append("t", "user", "start")
    store.close()
    conn = apsw.Connection(str(db_path))
    leaf = conn.execute("select current_leaf_id from threads where id = 't'").fetchall()[0][0]
    conn.execute(
        "insert into entries (thread_id, parent_entry_id, role, content, created_at, depth) "
        "values ('t', ?, 'user', 'a shearwater', 0, 1)",
        (leaf,),
    )
    conn.close()
    with threadtree.open(db_path) as reopened:
        assert [h.entry.content for h in reopened.search("shearwater")] == ["a shearwater"]
        assert reopened.check() == []
