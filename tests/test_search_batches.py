"""SQLite's search index takes new entries in batches (migrations 0010 and 0012): the newest
entries, above the index's high-water mark, wait until 256 of them are indexed in one go, and a
search matches the waiting ones from a temporary index of its own. Only rewritten texts (and ids
below the mark) wait in a pending list of rows. These tests look at the file under the store:
what is waiting, what is indexed, and that search finds every entry wherever it is. SQLite only
(the other engine's index has no batches of its own to test)."""

from __future__ import annotations

import apsw
import pytest

import threadtree
from threadtree import InvalidInput

from .helpers import damage, logical_dump, raw_conn, schema_at

BATCH = 256  # the WHEN of triggers entries_search_batch and entries_search_rewrites


def mark(store) -> int:
    return raw_conn(store).execute("select id from entries_search_mark").fetchall()[0][0]


def waiting_rows(store) -> list[int]:
    """The pending list's rows: rewrites, not new entries."""
    return [eid for (eid,) in raw_conn(store).execute("select id from entries_search_pending order by id")]


def pending(store) -> list[int]:
    """Every entry waiting for the index: above the mark, or in the pending list."""
    above = [eid for (eid,) in raw_conn(store).execute("select id from entries where id > ?", (mark(store),))]
    return sorted(above + waiting_rows(store))


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
    first = store.extend("t", [{"role": "user", "content": f"walrus number {k}"} for k in range(BATCH)])
    ids = [e.id for e in first]
    assert pending(store) == ids and indexed(store) == [] and mark(store) == 0
    assert found(store, "walrus") == ids
    last = store.append("t", "user", "the last walrus, after a full batch")
    assert indexed(store) == ids and pending(store) == [last.id] and mark(store) == ids[-1]
    assert found(store, "walrus") == ids + [last.id]
    after = store.append("t", "assistant", "a walrus after it")
    assert pending(store) == [last.id, after.id]
    assert found(store, "walrus") == ids + [last.id, after.id]
    fts_integrity(store)
    assert store.check() == []


def test_new_entries_wait_by_their_id_and_write_no_row_of_their_own(store, thread):
    """What migration 0012 is for: an append writes no pending row (a page of the WAL at
    every commit), across batches too."""
    store.extend("t", [{"role": "user", "content": f"gull {k}"} for k in range(BATCH + 3)])
    for k in range(BATCH):
        store.append("t", "user", f"another gull {k}")
        assert waiting_rows(store) == []
    assert len(indexed(store)) == 2 * BATCH and len(pending(store)) == 3
    assert len(found(store, "gull")) == 2 * BATCH + 3
    fts_integrity(store)


def test_hits_of_the_index_and_of_the_pending_list_are_merged_best_first(store, thread):
    store.extend("t", [{"role": "user", "content": f"filler {k}"} for k in range(BATCH - 2)])
    old = store.append("t", "user", "kestrel")
    store.append("t", "user", "nothing here")
    there = store.append("t", "user", "nothing here either")  # the 257th: old is indexed now
    new = store.append("t", "user", "kestrel kestrel kestrel, a kestrel again")
    assert old.id in indexed(store) and pending(store) == [there.id, new.id]
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
    filler = store.extend("filler", [{"role": "user", "content": "x"} for _ in range(BATCH)])  # a batch
    assert len(written) == 2 and set(written) <= set(indexed(store)) and pending(store) == [e.id for e in filler[-2:]]
    write("final about narwhals")
    assert waiting_rows(store) == written
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


def test_check_names_pending_rows_that_match_no_entry_and_entries_indexed_early(store, db_path, thread):
    gone = store.append("t", "user", "a gannet")
    kept = store.append("t", "user", "a cormorant")
    store.close()
    damage(
        db_path,
        f"delete from entries where id = {gone.id}",  # triggers off: it was waiting by its id alone
        f"insert into entries_search (rowid, content) values ({kept.id}, 'a cormorant')",  # above the mark
        "insert into entries_search_pending (id) values (4242)",  # a rewrite of no entry
    )
    with threadtree.open(db_path) as reopened:
        problems = [(p.entry_id, p.message) for p in reopened.check() if p.kind == "search-index"]
        assert [eid for eid, _ in problems] == [kept.id, 4242]
        assert "count its words twice" in problems[0][1] and "does not exist" in problems[1][1]
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
    store.extend("t", [{"role": "user", "content": "tern"}] * (BATCH - len(waiting) + 1))  # a second batch
    assert len(indexed(store)) == 2 * BATCH
    fts_integrity(store)
    assert len(found(store, "tern")) == 2 * BATCH + 1


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


def test_a_file_of_schema_11_keeps_its_index_and_its_pending_rows(db_path):
    """Migration 0012 on a file whose pending list holds rows: they stay pending, as rows,
    under a mark at the newest entry, and the index is kept as it was (no rebuild)."""
    old = schema_at(db_path, 11)
    old.execute("insert into threads (id, metadata, created_at, updated_at) values ('old', '{}', 0, 0)")
    for k in range(BATCH + 44):
        old.execute(
            "insert into entries (thread_id, role, content, created_at, depth) values ('old', 'user', ?, 0, 0)",
            (f"an auk {k} from before",),
        )
    held = [eid for (eid,) in old.execute("select id from entries_search_docsize order by id")]
    old.close()
    assert len(held) == BATCH
    with threadtree.open(db_path) as store:
        assert mark(store) == BATCH + 44 and indexed(store) == held
        assert waiting_rows(store) == pending(store) == list(range(BATCH + 1, BATCH + 45))
        assert len(found(store, "auk")) == BATCH + 44
        new = store.append("old", "user", "an auk from after")
        assert pending(store)[-1] == new.id and len(found(store, "auk")) == BATCH + 45
        fts_integrity(store)
        assert store.check() == []


def test_an_id_below_the_mark_waits_in_the_pending_list(store, db_path, thread):
    """An insert with an id of its own below the mark (another tool's) is not lost to search."""
    entries = store.extend("t", [{"role": "user", "content": f"skua {k}"} for k in range(BATCH + 1)])
    store.fork(entries[5].id, "user", "newer")  # the deleted ids are not the newest: not refused
    store.delete_branch(entries[10].id)
    store.close()
    conn = apsw.Connection(str(db_path))
    conn.execute(
        "insert into entries (id, thread_id, parent_entry_id, role, content, created_at, depth) "
        "values (?, 't', ?, 'user', 'a late skua', 0, 10)",
        (entries[10].id, entries[9].id),
    )
    conn.close()
    with threadtree.open(db_path) as reopened:
        assert entries[10].id < mark(reopened) and waiting_rows(reopened) == [entries[10].id]
        assert [h.entry.id for h in reopened.search("late skua")] == [entries[10].id]
        fts_integrity(reopened)
        assert reopened.check() == []


def test_rewrites_go_in_batches_of_their_own(store):
    """256 rewritten texts waiting in the pending list are indexed in one go, whatever the mark."""
    from threadtree.formats import Conversation, Node, _engine

    def write(word: str) -> None:
        nodes = [Node(f"n{k}", f"n{k - 1}" if k else None, "user", f"{word} {k}", None) for k in range(BATCH + 10)]
        _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, f"n{BATCH + 9}"))

    write("petrel")  # the 257th entry made a batch
    assert mark(store) == BATCH and waiting_rows(store) == [] and len(indexed(store)) == BATCH
    write("fulmar")  # every text rewritten: the 256 below the mark go in a batch, 10 wait by their id
    assert waiting_rows(store) == [] and pending(store) == list(range(BATCH + 1, BATCH + 11))
    assert found(store, "petrel") == [] and len(found(store, "fulmar")) == BATCH + 10
    fts_integrity(store)
    assert store.check() == []


def test_the_mark_cannot_be_deleted(store, thread):
    with pytest.raises(apsw.ConstraintError, match="high-water mark"):
        raw_conn(store).execute("delete from entries_search_mark")
