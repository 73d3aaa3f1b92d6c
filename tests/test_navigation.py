"""Finding one's way in big trees (issue 18): search over every branch, labels, branch points,
a switch that comes back to where a branch was left, copies with lineage, compare, merge, and
paging backwards through paths. Real files; bad input writes nothing."""

from __future__ import annotations

import json

import apsw
import pytest

import threadtree
import threadtree.formats
from threadtree import InvalidInput, NotFound
from threadtree.navigation import MARK_CLOSE, MARK_OPEN
from threadtree.store import database_of

from .helpers import BRANCHED, build, contents, damage, logical_dump, raw_conn, schema_at


def fts_integrity(store) -> None:
    """The engine's own check of the search index against the entries: FTS5's integrity-check
    command (raises if out of step), or on PostgreSQL every entry's stored words against what
    its text reads as now."""
    conn = raw_conn(store)
    if database_of(store).engine().features.name == "postgres":
        stale = "select id from entries where search_words is distinct from threadtree_search_words(content)"
        assert conn.execute(stale).fetchall() == []
        return
    conn.execute("insert into entries_search (entries_search, rank) values ('integrity-check', 1)")


@pytest.fixture
def trip(store):
    """Thread 'trip': q - lisbon - food (left), q - kyoto - crowds (live), and a hidden note."""
    store.create_thread("Trip planning", thread_id="trip")
    q = store.append("trip", "user", "Where should I go in May?")
    lisbon = store.append("trip", "assistant", "Lisbon: grilled sardines and bifanas, a Café on every corner.")
    food = store.append("trip", "user", "What should I eat there? Sardines again?")
    kyoto = store.fork(q.id, "assistant", "Kyoto, if you like gardens and temples.")
    crowds = store.append("trip", "user", "Is Kyoto crowded in May?")
    note = store.append("trip", "system", "internal: sardines are out of season", hidden=True)
    store.rewind("trip", crowds.id)
    return {"q": q.id, "lisbon": lisbon.id, "food": food.id, "kyoto": kyoto.id, "crowds": crowds.id, "note": note.id}


class TestSearch:
    def test_finds_entries_on_every_branch_ranked_with_snippets(self, store, trip):
        hits = store.search("sardines")
        assert {h.entry.id for h in hits} == {trip["lisbon"], trip["food"]}  # the hidden note is left out
        assert hits == sorted(hits, key=lambda h: h.rank)
        for hit in hits:
            marked = [hit.snippet[start:end] for start, end in hit.marks]
            assert [m.lower() for m in marked] == ["sardines"] * len(marked) and marked
            assert all(hit.snippet[s - 1] == MARK_OPEN and hit.snippet[e] == MARK_CLOSE for s, e in hit.marks)
            assert not hit.on_live_path  # both lie on the branch that was left

    def test_on_live_path_says_where_a_hit_lies(self, store, trip):
        assert [h.on_live_path for h in store.search("Kyoto")] == [True, True]
        assert [h.on_live_path for h in store.search("Lisbon")] == [False]
        store.switch(trip["lisbon"])
        assert [h.on_live_path for h in store.search("Lisbon")] == [True]

    def test_a_phrase_must_be_found_as_it_is_written(self, store, trip):
        assert [h.entry.id for h in store.search('"grilled sardines"')] == [trip["lisbon"]]
        assert store.search('"sardines grilled"') == []
        assert [h.entry.id for h in store.search("sardines grilled")] == [trip["lisbon"]]  # words: any order

    def test_case_and_accents_are_ignored(self, store, trip):
        assert [h.entry.id for h in store.search("CAFE")] == [trip["lisbon"]]
        assert [h.entry.id for h in store.search("café")] == [trip["lisbon"]]

    def test_one_thread_hidden_entries_and_limit(self, store, trip):
        other = store.create_thread("other")
        store.append(other.id, "user", "sardines in Porto")
        assert len(store.search("sardines")) == 3
        assert {h.entry.thread_id for h in store.search("sardines", thread_id=other.id)} == {other.id}
        found = store.search("sardines", thread_id="trip", include_hidden=True)
        assert trip["note"] in {h.entry.id for h in found}
        assert len(store.search("sardines", limit=1)) == 1

    def test_an_unknown_thread_is_not_found(self, store, trip):
        with pytest.raises(NotFound, match="'nope'"):
            store.search("sardines", thread_id="nope")

    @pytest.mark.parametrize(
        "query",
        [
            '""x', 'sardines"', '"grilled', "*", "sard*", "-sardines", "sardines -lisbon", "NEAR",
            "NEAR(sardines lisbon)", "sardines OR lisbon", "sardines AND", "NOT sardines", "(", ")", "(sardines",
            "content:sardines", "^sardines", "'; drop table entries; --", "1=1 or 1", "\\", "%", "_",
            "🎉", "🎉 sardines", "sardines\x00", "\u202e", "e\u0301", "{content}: x", "sardines*" * 50,
        ],
    )
    def test_any_text_is_a_query_and_nothing_breaks(self, store, db_path, trip, query):
        before = logical_dump(db_path)
        hits = store.search(query)
        assert all(isinstance(h.entry, threadtree.Entry) for h in hits)
        assert logical_dump(db_path) == before
        assert store.get_entry(trip["q"])  # the store still works

    def test_syntax_words_are_plain_words(self, store, trip):
        assert [h.entry.id for h in store.search("sardines -lisbon")] == [trip["lisbon"]]  # "-lisbon" is lisbon
        assert store.search("sardines OR lisbon") == []  # OR is a word, and no entry holds it
        store.append("trip", "user", "lisbon or sardines, near the sea")
        assert len(store.search("sardines OR lisbon NEAR")) == 1

    @pytest.mark.parametrize("query", ["", " ", "\t\n", '"', '""', '" "', "\x00"])
    def test_an_empty_query_is_refused_and_writes_nothing(self, store, db_path, trip, query):
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match="query"):
            store.search(query)
        assert logical_dump(db_path) == before

    def test_a_query_too_long_to_answer_quickly_is_refused(self, store, db_path, trip):
        """Both engines slow down faster than the words grow (SQLite took minutes for 150,000
        words) and PostgreSQL's stack overflows on a phrase of 30,000: a clear error instead."""
        assert [h.entry.id for h in store.search("sardines " * 99 + "bifanas")] == [trip["lisbon"]]
        long_phrase = '"' + "x-" * 4_999 + '"'  # 10,000 characters, 4,999 words of one phrase
        assert store.search(long_phrase) == []
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match="at most 100 words and phrases, not 101"):
            store.search("sardines " * 101)
        with pytest.raises(InvalidInput, match="at most 10,000 characters, not 30,000"):
            store.search("w" * 30_000)
        assert logical_dump(db_path) == before

    @pytest.mark.parametrize(
        "kwargs, field",
        [({"limit": 0}, "limit"), ({"limit": None}, "limit"), ({"include_hidden": 1}, "include_hidden")],
    )
    def test_bad_arguments(self, store, trip, kwargs, field):
        with pytest.raises(InvalidInput, match=field):
            store.search("x", **kwargs)
        with pytest.raises(InvalidInput, match="query"):
            store.search(b"sardines")  # type: ignore[arg-type]


    def test_an_accented_match_is_marked_in_the_snippet(self, store, trip):
        for query in ("cafe", "CAFÉ", "cafe\u0301"):
            [hit] = store.search(query)
            assert [hit.snippet[start:end] for start, end in hit.marks] == ["Café"], query

    @pytest.mark.parametrize(
        "query, matches",
        [
            ("sardines & lisbon", "sardines lisbon"),  # '&' is no word: the two words, ANDed
            ("sardines | kyoto", None),  # '|' is no OR: no entry holds both words
            ("!lisbon sardines", "lisbon sardines"),  # '!' is no NOT
            ("sard:*", None),  # ':*' is no prefix match
            ("grilled<->sardines", '"grilled sardines"'),  # one phrase, as typed
            ("sardines <2> bifanas", None),  # no distance: 'sardines and bifanas' is no match
            ("'sardines' & 'lisbon'", "sardines lisbon"),
            ("'; select pg_sleep(5); --", None),
            ("sardines) | (kyoto", None),
        ],
    )
    def test_operators_of_either_engine_are_plain_text(self, store, trip, query, matches):
        """FTS5's and PostgreSQL's tsquery syntax alike: neither is ever read from user text."""
        expected = [] if matches is None else [h.entry.id for h in store.search(matches)]
        assert [h.entry.id for h in store.search(query)] == expected

    def test_snippets_have_one_shape_on_both_engines(self, store):
        """About 16 words around the best match, '…' where cut, a phrase marked whole: FTS5's
        snippet() on SQLite, the same by threadtree on PostgreSQL."""
        thread = store.create_thread()
        words = " ".join(f"w{i}" for i in range(40))
        for text in (f"{words} grilled sardines {words.replace('w', 'v')}.", f"Grilled sardines. {words}", f"{words} end of it: sardines!"):
            store.append(thread.id, "user", text)
        found = {h.snippet for h in store.search("sardines")} | {h.snippet for h in store.search('"grilled sardines"')}
        assert found == {
            "…w34 w35 w36 w37 w38 w39 grilled «sardines» v0 v1 v2 v3 v4 v5 v6 v7…",
            "Grilled «sardines». w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13…",
            "…w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39 end of it: «sardines»!",
            "…w33 w34 w35 w36 w37 w38 w39 «grilled sardines» v0 v1 v2 v3 v4 v5 v6…",
            "«Grilled sardines». w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13…",
        }
        # Windows of one match each: the earliest wins.
        assert {h.snippet for h in store.search("sardines w3")} == {
            "Grilled «sardines». w0 w1 w2 «w3» w4 w5 w6 w7 w8 w9 w10 w11 w12 w13…",
            "w0 w1 w2 «w3» w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15…",
        }

    def test_where_the_engines_read_words_differently(self, store, engine):
        """The differences the README lists. SQLite's tokenizer splits at every character that
        is no letter or digit and folds accents of Latin letters only; PostgreSQL's parser
        keeps host names and URLs whole, and the index folds accents of every script."""
        thread = store.create_thread()
        host = store.append(thread.id, "user", "see example.com/sardines")
        greek = store.append(thread.id, "user", "Καλημέρα")
        sqlite = engine == "sqlite"
        assert [h.entry.id for h in store.search("example")] == ([host.id] if sqlite else [])
        assert [h.entry.id for h in store.search("example.com")] == [host.id]  # on both
        assert [h.entry.id for h in store.search("καλημερα")] == ([] if sqlite else [greek.id])
        assert [h.entry.id for h in store.search("ΚΑΛΗΜΈΡΑ")] == [greek.id]  # case: on both


class TestSearchIndexInStep:
    """The index changes in the transaction of every write that adds, rewrites or removes an
    entry, whichever code path runs it."""

    def test_deletes_take_entries_out(self, store, trip):
        store.delete_branch(trip["lisbon"])
        assert store.search("sardines") == []
        other = store.create_thread()
        store.append(other.id, "user", "sardines")
        store.delete_thread(other.id)
        assert store.search("sardines") == []
        fts_integrity(store)

    def test_imports_restores_copies_and_reimports_are_searchable(self, store, tmp_path, trip):
        sample = tmp_path / "chat.json"
        sample.write_text(json.dumps([{"role": "user", "content": "quokka island"}]))
        report = threadtree.formats.import_file(store, sample, format="openai")
        imported = report.outcomes[0].thread_id
        assert [h.entry.thread_id for h in store.search("quokka")] == [imported]
        dump = tmp_path / "dump.jsonl"
        dump.write_text("\n".join(json.dumps(line) for line in threadtree.formats.export_thread(store, "trip", "jsonl")))
        with threadtree.open(tmp_path / "restored.db") as restored:
            threadtree.formats.import_file(restored, dump)
            assert {h.entry.id for h in restored.search("sardines")} == {trip["lisbon"], trip["food"]}
            fts_integrity(restored)
        copy = store.copy_thread(trip["food"])
        assert {h.entry.thread_id for h in store.search("bifanas")} == {"trip", copy.id}
        fts_integrity(store)

    def test_a_reimport_that_changes_a_text_changes_what_is_found(self, store):
        from threadtree.formats import Conversation, Node, _engine

        nodes = [Node("r", None, "user", "draft about walruses", None)]
        _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "r"))
        nodes = [Node("r", None, "user", "final about narwhals", None)]
        _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "r"))
        assert store.search("walruses") == [] and len(store.search("narwhals")) == 1
        fts_integrity(store)

    def test_the_text_is_stored_once(self, store, trip):
        """The index holds tokens only: a snippet reads the text from entries itself."""
        tables = {name for (name,) in raw_conn(store).execute("select name from sqlite_master where type = 'table'")}
        assert "entries_search" in tables and "entries_search_content" not in tables
        stored = b"".join(
            bytes(block) for (block,) in raw_conn(store).execute("select block from entries_search_data")
        )
        assert b"Lisbon: grilled sardines" not in stored
        assert MARK_OPEN + "bifanas" + MARK_CLOSE in store.search("bifanas")[0].snippet

    def test_a_text_of_more_words_than_an_index_row_holds_is_written(self, store):
        """PostgreSQL's tsvector holds 1 MB of distinct words: a longer text is read in part
        (the README says how much), never refused."""
        thread = store.create_thread()
        big = store.append(thread.id, "user", "albatross " + " ".join(f"w{i:07d}x" for i in range(150_000)))
        [hit] = store.search("albatross")
        assert hit.entry.id == big.id and hit.snippet.startswith("«albatross» w0000000x w0000001x")

    def test_a_failed_write_leaves_the_index_as_it_was(self, store, db_path, trip):
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput):
            store.extend("trip", [{"role": "user", "content": "pelicans"}, {"role": "", "content": "x"}])
        with pytest.raises(threadtree.Conflict):
            store.append("trip", "user", "pelicans", expected_leaf_id=trip["q"])
        assert logical_dump(db_path) == before
        assert store.search("pelicans") == []

    def test_check_names_an_index_out_of_step(self, db_path, trip, store):
        # A batch takes the trip's entries into the index (migration 0012): only below its
        # high-water mark can a write behind the triggers' back put it out of step.
        store.create_thread(thread_id="filler")
        filler = store.extend("filler", [{"role": "user", "content": "filler"}] * 300)
        store.delete_branch(filler[100].id)  # frees ids below the mark
        store.close()
        free = filler[100].id
        damage(
            db_path,
            "insert into entries (id, thread_id, parent_entry_id, role, content, created_at, depth) "
            f"values ({free}, 'trip', null, 'user', 'unindexed', 0, 0)",
            # Deleted with the triggers dropped: the index keeps a row for it.
            f"delete from entries where id = {trip['note']}",
        )
        with threadtree.open(db_path) as reopened:
            problems = [p for p in reopened.check() if p.kind == "search-index"]
            assert [p.entry_id for p in problems] == [free, trip["note"]]
            assert "not in the search index" in problems[0].message and "does not exist" in problems[1].message
            assert "search-index" not in {p.kind for p in reopened.check("trip")}  # file-wide, as integrity_check
            assert reopened.search("internal") == []  # a hit is always an entry that exists
            assert reopened.search("unindexed") == []  # what check() names

    def test_a_file_from_before_the_index_gains_it(self, db_path):
        old = schema_at(db_path, 7)  # a file as threadtree wrote it before migration 0008
        old.execute("insert into threads (id, metadata, created_at, updated_at) values ('old', '{}', 0, 0)")
        old.execute(
            "insert into entries (thread_id, role, content, created_at, depth) "
            "values ('old', 'user', 'an albatross from before', 0, 0)"
        )
        old.close()
        with threadtree.open(db_path) as store:
            assert [h.entry.content for h in store.search("albatross")] == ["an albatross from before"]
            assert store.get_thread("old").origin_thread_id is None
            assert store.entries("old")[0].merged_from is None
            fts_integrity(store)
            assert store.check() == []


class TestLabels:
    def test_set_list_move_and_delete(self, store, trip):
        good = store.set_label(trip["lisbon"], "good path")
        assert (good.thread_id, good.name, good.entry_id) == ("trip", "good path", trip["lisbon"])
        store.set_label(trip["lisbon"], "food")
        assert [(lb.name, lb.entry_id) for lb in store.labels("trip")] == [
            ("food", trip["lisbon"]), ("good path", trip["lisbon"]),
        ]
        store.set_label(trip["kyoto"], "good path")  # a taken name moves
        assert store.get_label("trip", "good path").entry_id == trip["kyoto"]
        assert len(store.labels("trip")) == 2
        store.delete_label("trip", "food")
        assert [lb.name for lb in store.labels("trip")] == ["good path"]

    def test_names_are_per_thread(self, store, trip):
        other = store.create_thread()
        entry = store.append(other.id, "user", "x")
        store.set_label(entry.id, "good path")
        store.set_label(trip["q"], "good path")
        assert store.get_label(other.id, "good path").entry_id == entry.id

    def test_labels_go_with_their_entry_and_thread(self, store, trip):
        store.set_label(trip["food"], "eat")
        store.set_label(trip["q"], "start")
        store.delete_branch(trip["lisbon"])
        assert [lb.name for lb in store.labels("trip")] == ["start"]
        store.delete_thread("trip")
        assert raw_conn(store).execute("select count(*) from labels").fetchone()[0] == 0

    def test_an_unknown_label_is_not_found_and_nothing_is_written(self, store, db_path, trip):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="no label 'nope'"):
            store.delete_label("trip", "nope")
        with pytest.raises(NotFound, match="no label 'nope'"):
            store.get_label("trip", "nope")
        with pytest.raises(NotFound, match="thread 'nope'"):
            store.delete_label("nope", "x")
        with pytest.raises(NotFound, match="thread 'nope'"):
            store.labels("nope")
        assert logical_dump(db_path) == before

    @pytest.mark.parametrize("entry, name, error, match", [
        (404, "x", NotFound, "entry 404"), ("1", "x", InvalidInput, "entry_id"),
        (None, "", InvalidInput, "name"), (None, "  ", InvalidInput, "name"), (None, 3, InvalidInput, "name"),
        (None, "\ud800", InvalidInput, "name"),
    ])
    def test_bad_labels_write_nothing(self, store, db_path, trip, entry, name, error, match):
        before = logical_dump(db_path)
        with pytest.raises(error, match=match):
            store.set_label(trip["q"] if entry is None else entry, name)
        assert logical_dump(db_path) == before


class TestBranchPoints:
    def test_each_entry_with_siblings_and_its_position(self, store, thread, ids):
        # Live path a b x y: a is one of two roots (a, r), b one of a's two children (b, e),
        # x the second of b's (c, x); y is an only child.
        points = store.branch_points(thread.id)
        assert [(p.entry_id, p.position, p.count) for p in points] == [
            (ids["a"], 1, 2), (ids["b"], 1, 2), (ids["x"], 2, 2),
        ]
        assert points[0].parent_id is None and points[0].sibling_ids == (ids["a"], ids["r"])
        assert points[2].parent_id == ids["b"] and points[2].sibling_ids == (ids["c"], ids["x"])

    def test_of_the_path_to_any_entry(self, store, thread, ids):
        points = store.branch_points(thread.id, entry_id=ids["d"])
        assert [(p.entry_id, p.position) for p in points] == [(ids["a"], 1), (ids["b"], 1), (ids["c"], 1)]

    def test_an_empty_path_and_bad_input(self, store, thread, ids, other_thread):
        assert store.branch_points(other_thread.id) == []
        with pytest.raises(InvalidInput, match="belongs to thread 't'"):
            store.branch_points(other_thread.id, entry_id=ids["a"])
        with pytest.raises(NotFound):
            store.branch_points("nope")


class TestSwitch:
    def test_a_branch_comes_back_to_where_it_was_left(self, store, trip):
        """LibreChat's open issue: every message jumps to the latest version on reload."""
        deep = store.append("trip", "assistant", "Mid-May is quieter.")
        store.rewind("trip", trip["crowds"])
        newer = store.append("trip", "assistant", "Yes, very.")  # the newest leaf of Kyoto's branch
        store.checkout(deep.id)  # the user went back to the first answer, and left from there
        assert store.switch(trip["lisbon"]).id == trip["food"]
        assert store.switch(trip["kyoto"]).id == deep.id  # not the newest leaf, `newer`
        assert newer.id > deep.id
        assert store.get_thread("trip").current_leaf_id == deep.id
        assert store.leaf_history("trip", limit=1)[0].reason == "switch"

    def test_a_branch_never_left_lands_on_its_newest_leaf(self, store):
        """An imported conversation's other branches were never live here."""
        from threadtree.formats import Conversation, Node, _engine

        nodes = [
            Node("q", None, "user", "question", None), Node("a1", "q", "assistant", "first", None),
            Node("a1x", "a1", "user", "older tip", None), Node("a1y", "a1", "user", "newer tip", None),
            Node("a2", "q", "assistant", "second", None),
        ]
        tid = _engine.write_conversation(store, Conversation("test", "c1", "T", nodes, "a2")).thread_id
        ids = {e.content: e.id for e in store.entries(tid)}
        assert store.switch(ids["first"]).id == ids["newer tip"]
        assert store.switch(ids["second"]).id == ids["second"]
        assert store.switch(ids["first"]).id == ids["newer tip"]  # now remembered

    def test_a_live_branch_stays(self, store, trip):
        moves = len(store.leaf_history("trip"))
        assert store.switch(trip["q"]).id == trip["crowds"]
        assert store.switch(trip["crowds"]).id == trip["crowds"]
        assert len(store.leaf_history("trip")) == moves

    def test_the_memory_is_in_the_file(self, db_path, store, trip):
        store.switch(trip["lisbon"])
        store.close()
        with threadtree.open(db_path) as again:
            assert again.switch(trip["kyoto"]).id == trip["crowds"]

    def test_a_remembered_leaf_deleted_since_is_forgotten(self, store, trip):
        store.switch(trip["lisbon"])
        store.switch(trip["kyoto"])
        store.delete_branch(trip["food"])
        assert store.switch(trip["lisbon"]).id == trip["lisbon"]

    def test_an_unknown_entry_writes_nothing(self, store, db_path, trip):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="entry 404"):
            store.switch(404)
        with pytest.raises(InvalidInput, match="entry_id"):
            store.switch("1")  # type: ignore[arg-type]
        assert logical_dump(db_path) == before

    def test_a_stale_expected_leaf_is_a_conflict_and_writes_nothing(self, store, db_path, trip):
        """A viewer's page switches with the leaf it showed: if another writer moved it since,
        the switch is refused, not made over the other's move."""
        from threadtree import Conflict

        shown = store.get_thread("trip").current_leaf_id
        store.checkout(trip["food"])  # another writer, after the page was drawn
        before = logical_dump(db_path)
        with pytest.raises(Conflict, match=f"not at expected_leaf_id {shown}"):
            store.switch(trip["kyoto"], expected_leaf_id=shown)
        assert logical_dump(db_path) == before
        assert store.switch(trip["kyoto"], expected_leaf_id=trip["food"]).id == shown


class TestCopies:
    def test_a_copy_holds_the_path_and_names_its_origin(self, store, trip):
        store.update_thread("trip", metadata={"tag": "travel"})
        store.append("trip", "tool", "", item={"type": "function_call_output", "output": "x"}, usage={"n": 1})
        tip = store.get_thread("trip").current_leaf_id
        copy = store.copy_thread(tip)
        assert (copy.origin_thread_id, copy.origin_entry_id, copy.title, copy.metadata) == (
            "trip", tip, "Trip planning", {"tag": "travel"},
        )
        original, copied = store.path_to(tip), store.path(copy.id)
        assert [(e.role, e.content, e.item, e.hidden, e.usage, e.created_at) for e in copied] == [
            (e.role, e.content, e.item, e.hidden, e.usage, e.created_at) for e in original
        ]
        assert [e.depth for e in copied] == list(range(len(original)))
        assert not {e.id for e in copied} & {e.id for e in original}
        assert copy.current_leaf_id == copied[-1].id
        assert store.forks_of("trip") == [copy]
        for read in (store.get_thread(copy.id), store.find_thread("Trip planning"), store.resolve_thread(copy.id)):
            assert read.origin_thread_id == "trip"
        assert store.check() == []

    def test_a_tail_from_start_id_and_a_title(self, store, trip):
        copy = store.copy_thread(trip["food"], start_id=trip["lisbon"], title="Lisbon")
        assert contents(store.path(copy.id))[0].startswith("Lisbon:")
        assert [e.parent_id is None for e in store.path(copy.id)] == [True, False]
        assert copy.title == "Lisbon"
        assert store.copy_thread(trip["food"], start_id=trip["food"]).current_leaf_id is not None

    def test_copies_of_a_deleted_thread_still_name_it(self, store, trip):
        copy = store.copy_thread(trip["food"])
        store.delete_thread("trip")
        assert [t.id for t in store.forks_of("trip")] == [copy.id]
        with pytest.raises(NotFound):
            store.forks_of("never")

    @pytest.mark.parametrize("start, error, match", [
        ("kyoto", InvalidInput, "not on the path"), ("food", InvalidInput, "not on the path"),
        ("other", InvalidInput, "belongs to thread 'other'"), (404, NotFound, "entry 404"),
    ])
    def test_a_bad_start_writes_nothing(self, store, db_path, trip, start, error, match):
        other = store.create_thread(thread_id="other")
        trip["other"] = store.append(other.id, "user", "x").id
        before = logical_dump(db_path)
        with pytest.raises(error, match=match):
            store.copy_thread(trip["lisbon"], start_id=trip.get(start, start))
        assert logical_dump(db_path) == before


class TestCompare:
    def test_the_common_ancestor_and_both_tails(self, store, trip):
        found = store.compare(trip["food"], trip["crowds"])
        assert found.ancestor.id == trip["q"]
        assert [e.id for e in found.a] == [trip["lisbon"], trip["food"]]
        assert [e.id for e in found.b] == [trip["kyoto"], trip["crowds"]]

    def test_an_ancestor_has_an_empty_tail_and_threads_share_none(self, store, trip):
        found = store.compare(trip["q"], trip["food"])
        assert (found.ancestor.id, found.a, [e.id for e in found.b]) == (trip["q"], [], [trip["lisbon"], trip["food"]])
        other = store.create_thread()
        entry = store.append(other.id, "user", "x")
        found = store.compare(trip["food"], entry.id)
        assert found.ancestor is None and len(found.a) == 3 and [e.id for e in found.b] == [entry.id]
        with pytest.raises(NotFound, match="entry 404"):
            store.compare(trip["q"], 404)


class TestMerge:
    def test_a_summary_is_appended_under_the_live_leaf_with_its_link(self, store, trip):
        merged = store.merge(trip["food"], "Lisbon: sardines, but they may be out of season.")
        assert (merged.parent_id, merged.merged_from, merged.role) == (trip["crowds"], trip["food"], "assistant")
        assert store.get_thread("trip").current_leaf_id == merged.id
        assert store.get_entry(merged.id).merged_from == trip["food"]
        assert store.path("trip")[-1] == merged
        assert store.path_to(trip["food"])[-1].merged_from is None  # the branch stays as it was

    def test_a_copy_merges_back_into_its_origin(self, store, trip):
        copy = store.copy_thread(trip["food"])
        tip = store.append(copy.id, "assistant", "Sardines are best in June.")
        merged = store.merge(tip.id, "From the Lisbon chat: June.", thread_id="trip", role="user")
        assert (merged.thread_id, merged.merged_from, merged.role) == ("trip", tip.id, "user")

    @pytest.mark.parametrize("target, thread, match", [
        ("crowds", None, "live path"), ("kyoto", None, "live path"), ("q", None, "live path"),
        ("food", "other", "neither 'other' nor a copy"),
    ])
    def test_bad_merges_write_nothing(self, store, db_path, trip, target, thread, match):
        store.create_thread(thread_id="other")
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=match):
            store.merge(trip[target], "summary", thread_id=thread)
        assert logical_dump(db_path) == before

    def test_an_origin_does_not_merge_into_its_copy(self, store, db_path, trip):
        copy = store.copy_thread(trip["crowds"])
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match="nor a copy"):
            store.merge(trip["food"], "x", thread_id=copy.id)
        with pytest.raises(InvalidInput, match="role"):
            store.merge(trip["food"], "x", role="")
        with pytest.raises(NotFound, match="entry 404"):
            store.merge(404, "x")
        assert logical_dump(db_path) == before

    def test_the_link_survives_a_jsonl_dump_and_restore(self, store, tmp_path, trip):
        merged = store.merge(trip["food"], "summary")
        lines = threadtree.formats.export_thread(store, "trip", "jsonl")
        dump = tmp_path / "dump.jsonl"
        dump.write_text("\n".join(json.dumps(line) for line in lines))
        with threadtree.open(tmp_path / "same-ids.db") as fresh:
            threadtree.formats.import_file(fresh, dump)
            assert fresh.get_entry(merged.id).merged_from == trip["food"]
        with threadtree.open(tmp_path / "new-ids.db") as crowded:
            filler = crowded.create_thread()
            crowded.extend(filler.id, [{"role": "user", "content": "x"}] * 20)
            report = threadtree.formats.import_file(crowded, dump)
            assert "numbered them anew" in " ".join(report.outcomes[0].notes)
            summary = crowded.path("trip")[-1]
            assert crowded.get_entry(summary.merged_from).content == store.get_entry(trip["food"]).content

    def test_an_old_dump_without_the_new_fields_restores(self, store, tmp_path, trip):
        lines = threadtree.formats.export_thread(store, "trip", "jsonl")
        for line in lines:
            for key in ("merged_from", "origin_thread_id", "origin_entry_id"):
                line.pop(key, None)
        dump = tmp_path / "old.jsonl"
        dump.write_text("\n".join(json.dumps(line) for line in lines))
        with threadtree.open(tmp_path / "restored.db") as fresh:
            assert threadtree.formats.import_file(fresh, dump).outcomes[0].status == "imported"
            assert fresh.path("trip") == store.path("trip")


class TestPaging:
    def test_pages_walk_back_to_the_root(self, store, thread):
        added = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(25)])
        pages, page = [], store.path(thread.id, limit=10)
        while page:
            pages.append(page)
            page = store.path(thread.id, limit=10, before=page[0].id)
        assert [len(p) for p in pages] == [10, 10, 5]
        assert [e for p in reversed(pages) for e in p] == added
        assert store.path_to(added[20].id, limit=3, before=added[10].id) == added[7:10]
        assert store.path_to(added[5].id, before=added[0].id) == []

    def test_before_must_be_of_the_thread_and_above(self, store, thread, other_thread):
        added = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(3)])
        foreign = store.append(other_thread.id, "user", "x")
        with pytest.raises(InvalidInput, match="belongs to thread 'other'"):
            store.path(thread.id, before=foreign.id)
        with pytest.raises(InvalidInput, match="belongs to thread 'other'"):
            store.path_to(added[2].id, before=foreign.id)
        with pytest.raises(InvalidInput, match="deeper"):
            store.path_to(added[0].id, before=added[2].id)
        with pytest.raises(NotFound, match="entry 404"):
            store.path(thread.id, before=404)
        with pytest.raises(InvalidInput, match="before"):
            store.path(thread.id, before="1")  # type: ignore[arg-type]


def test_search_index_survives_a_mix_of_writes(store, thread, ids):
    """FTS5's own integrity check after appends, forks, deletes, a copy and a merge."""
    store.fork(ids["c"], "user", "more text here")
    store.delete_branch(ids["e"])
    copy = store.copy_thread(ids["y"])
    store.merge(ids["d"], "merge text")
    store.delete_thread(copy.id)
    fts_integrity(store)
    assert {p.kind for p in store.check()} == set()


def test_integrity_check_is_engine_specific_and_refused_read_only(db_path, trip, store):
    """The raw FTS5 check needs the write lock, so check() compares rowids instead: it works on
    a read-only store."""
    store.close()
    with threadtree.open(db_path, readonly=True) as readonly:
        assert readonly.check() == []
        with pytest.raises(apsw.ReadOnlyError):
            fts_integrity(readonly)
