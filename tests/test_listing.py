"""list_threads' filters, orders and counts, and find_thread."""

from __future__ import annotations

import itertools
import math

import apsw
import apsw.ext
import pytest

import threadtree
from threadtree import InvalidInput, NotFound
from threadtree._db.sqlite import SQL as _sql

from .helpers import BRANCHED, build, connect, logical_dump, plan_lines, raw_conn, schema_at


def _set_times(db_path, times):
    """Give threads chosen times, ``{id: (created_at, updated_at)}``, behind the store's back:
    clocks are too coarse on some systems for tests of order and bounds to rely on."""
    conn = connect(db_path)
    try:
        for tid, (created, updated) in times.items():
            conn.execute("update threads set created_at = ?, updated_at = ? where id = ?", (created, updated, tid))
    finally:
        conn.close()


def _ids(threads):
    return [t.id for t in threads]


# Five threads: id -> (created_at, updated_at, entries appended)
FIVE = {
    "a": (100.0, 500.0, 3),
    "b": (200.0, 400.0, 0),
    "c": (300.0, 300.0, 5),
    "d": (300.0, 500.0, 3),
    "e": (400.0, 450.0, 1),
}


@pytest.fixture
def five(store, db_path):
    for tid, (_, _, count) in FIVE.items():
        store.create_thread(f"Thread {tid}", thread_id=tid)
        if count:
            store.extend(tid, [{"role": "user", "content": str(k)} for k in range(count)])
    _set_times(db_path, {tid: (created, updated) for tid, (created, updated, _) in FIVE.items()})
    return store


class TestCounts:
    def test_each_listed_thread_carries_its_entry_and_leaf_counts(self, store, thread, other_thread, ids):
        store.append(other_thread.id, "user", "one")
        empty = store.create_thread("empty", thread_id="empty")
        counted = {t.id: (t.entry_count, t.leaf_count) for t in store.list_threads()}
        assert counted == {thread.id: (8, 4), other_thread.id: (1, 1), empty.id: (0, 0)}  # BRANCHED: leaves d e r y

    def test_counts_follow_deletions(self, store, thread, ids):
        store.delete_branch(ids["x"])  # x and y go; b gets no new tip (c - d still hangs under it)
        (listed,) = store.list_threads()
        assert (listed.entry_count, listed.leaf_count) == (6, 3)
        assert (listed.entry_count, listed.leaf_count) == (len(store.entries(thread.id)), len(store.leaves(thread.id)))

    def test_hidden_entries_count_too(self, store, thread):
        store.append(thread.id, "system", "be brief", hidden=True)
        store.append(thread.id, "user", "hi")
        assert store.list_threads()[0].entry_count == 2

    def test_a_listed_thread_equals_the_same_thread_got_by_id(self, store, thread, ids):
        (listed,) = store.list_threads()
        got = store.get_thread(thread.id)
        assert listed == got, "the counts are left out of =="
        assert (got.entry_count, got.leaf_count) == (None, None)
        assert (listed.entry_count, listed.leaf_count) == (8, 4)

    def test_the_listing_is_one_statement_whatever_the_number_of_threads(self, store):
        for k in range(30):
            store.create_thread(thread_id=f"t{k}")
            store.append(f"t{k}", "user", "hi")
        statements = []

        def tracer(cursor, sql, bindings):
            statements.append(sql)
            return True

        raw_conn(store).exec_trace = tracer
        try:
            for order in ("updated_at", "created_at", "entry_count"):
                listed = store.list_threads(limit=None, order_by=order)
                assert len(listed) == 30 and all(t.entry_count == 1 for t in listed)
        finally:
            raw_conn(store).exec_trace = None
        assert statements == [_sql.query("list_threads")] * 3


class TestOrder:
    @pytest.mark.parametrize(
        "order_by, descending, expected",
        [
            ("updated_at", True, ["d", "a", "e", "b", "c"]),  # a and d tie at 500: id descending
            ("updated_at", False, ["c", "b", "e", "a", "d"]),
            ("created_at", True, ["e", "d", "c", "b", "a"]),  # c and d tie at 300
            ("created_at", False, ["a", "b", "c", "d", "e"]),
            ("entry_count", True, ["c", "d", "a", "e", "b"]),  # a and d tie at 3
            ("entry_count", False, ["b", "e", "a", "d", "c"]),
        ],
    )
    def test_orders_and_directions_with_ties_by_id(self, five, order_by, descending, expected):
        listed = five.list_threads(order_by=order_by, descending=descending)
        assert _ids(listed) == expected
        assert [t.entry_count for t in listed] == [FIVE[tid][2] for tid in expected]

    def test_the_default_is_updated_at_descending(self, five):
        assert _ids(five.list_threads()) == _ids(five.list_threads(order_by="updated_at", descending=True))

    @pytest.mark.parametrize("order_by", ["updated_at", "created_at", "entry_count"])
    @pytest.mark.parametrize("descending", [True, False])
    @pytest.mark.parametrize("page", [1, 2, 3, 7])
    def test_pages_cover_every_thread_once_even_with_ties(self, store, db_path, order_by, descending, page):
        # 12 threads on 3 distinct times and 3 distinct sizes: ties everywhere.
        for k in range(12):
            store.create_thread(thread_id=f"t{k:02d}")
            store.extend(f"t{k:02d}", [{"role": "user", "content": "x"}] * (k % 3 + 1))
        _set_times(db_path, {f"t{k:02d}": (float(k % 3), float(k % 3)) for k in range(12)})
        whole = _ids(store.list_threads(limit=None, order_by=order_by, descending=descending))
        pages = [
            _ids(store.list_threads(limit=page, offset=start, order_by=order_by, descending=descending))
            for start in range(0, 12, page)
        ]
        assert list(itertools.chain.from_iterable(pages)) == whole
        assert sorted(whole) == [f"t{k:02d}" for k in range(12)]

    def test_offset_past_the_end_and_no_limit(self, five):
        assert five.list_threads(offset=5) == []
        assert _ids(five.list_threads(limit=None, offset=3, order_by="created_at")) == ["b", "a"]
        assert _ids(five.list_threads(limit=None, offset=3, order_by="created_at", descending=False)) == ["d", "e"]


class TestTimeBounds:
    @pytest.mark.parametrize(
        "bounds, expected",
        [
            ({"created_after": 200}, ["d", "e", "c"]),  # strictly after: b (200) is out
            ({"created_before": 300}, ["a", "b"]),  # strictly before: c and d (300) are out
            ({"created_after": 100, "created_before": 400}, ["d", "b", "c"]),
            ({"updated_after": 450.0}, ["d", "a"]),
            ({"updated_before": 450.0}, ["b", "c"]),
            ({"updated_after": 300, "updated_before": 500}, ["e", "b"]),
            ({"created_after": 250, "updated_before": 500}, ["e", "c"]),
            ({"created_after": 1000}, []),
            ({"created_after": 300, "created_before": 300}, []),
            ({"created_after": -1e12, "updated_before": 1e12}, ["d", "a", "e", "b", "c"]),
        ],
    )
    def test_bounds_are_strict(self, five, bounds, expected):
        assert _ids(five.list_threads(**bounds)) == expected

    def test_bounds_combine_with_search_archive_and_order(self, five):
        five.archive_thread("d")
        five.update_thread("e", title="Other")
        _set_times(five.filename, {"d": (300.0, 500.0), "e": (400.0, 450.0)})
        assert _ids(five.list_threads(created_after=100)) == ["e", "b", "c"]
        assert _ids(five.list_threads(created_after=100, include_archived=True)) == ["d", "e", "b", "c"]
        assert _ids(five.list_threads(created_after=100, search="thread", include_archived=True)) == ["d", "b", "c"]
        assert _ids(five.list_threads(created_after=100, search="THREAD", order_by="entry_count", descending=False)) == ["b", "c"]

    def test_a_record_time_is_a_bound_to_the_last_bit(self, store):
        first = store.create_thread(thread_id="first")
        just_after = math.nextafter(first.created_at, math.inf)
        just_before = math.nextafter(first.created_at, -math.inf)
        assert _ids(store.list_threads(created_after=first.created_at)) == []
        assert _ids(store.list_threads(created_before=first.created_at)) == []
        assert _ids(store.list_threads(created_after=just_before, created_before=just_after)) == ["first"]
        assert _ids(store.list_threads(updated_after=just_before, updated_before=just_after)) == ["first"]


BAD_LISTINGS = [
    pytest.param({"order_by": "title"}, "order_by must be one of 'updated_at', 'created_at', 'entry_count', not 'title'", id="unknown-order"),
    pytest.param({"order_by": "UPDATED_AT"}, "order_by must be one of", id="order-case"),
    pytest.param({"order_by": None}, "order_by must be one of .*, not None", id="order-none"),
    pytest.param({"order_by": ["updated_at"]}, "order_by must be one of", id="order-list"),
    pytest.param({"descending": 1}, "descending must be True or False, not int 1", id="descending-int"),
    pytest.param({"descending": "no"}, "descending must be True or False", id="descending-str"),
    pytest.param({"created_after": "2024-01-01"}, "created_after must be a number of Unix seconds or None, not str", id="after-str"),
    pytest.param({"created_before": True}, "created_before must be a number of Unix seconds or None, not bool", id="before-bool"),
    pytest.param({"updated_after": float("nan")}, "updated_after must be a finite number of Unix seconds, not nan", id="after-nan"),
    pytest.param({"updated_before": float("inf")}, "updated_before must be a finite number of Unix seconds, not inf", id="before-inf"),
    pytest.param({"updated_before": 10**400}, "updated_before must be a finite number of Unix seconds", id="before-huge"),
    pytest.param({"limit": 0}, "limit must be at least 1", id="limit-0"),
]


@pytest.mark.parametrize("arguments, message", BAD_LISTINGS)
def test_bad_listing_arguments_are_refused_naming_the_field(five, arguments, message):
    with pytest.raises(InvalidInput, match=message):
        five.list_threads(**arguments)


def test_an_integer_bound_far_beyond_the_float_range_of_times_is_accepted(five):
    assert _ids(five.list_threads(created_before=2**70)) == _ids(five.list_threads())


class TestPlans:
    """A page by updated_at or created_at walks an index from the right end, so it costs the
    same however many threads the file holds; the counts are index SEARCHes."""

    @pytest.mark.parametrize("analyzed", [False, True], ids=["no-stats", "analyzed"])
    @pytest.mark.parametrize("order_by, index", [("updated_at", "threads_recent"), ("created_at", "threads_created")])
    def test_time_orders_walk_an_index(self, store, order_by, index, analyzed):
        for k in range(40):
            store.create_thread(thread_id=f"t{k}")
            build(store, f"t{k}", BRANCHED[:3])
        if analyzed:
            raw_conn(store).execute("analyze")
        bindings = {
            "include_archived": False, "search": None, "created_after": None, "created_before": None,
            "updated_after": None, "updated_before": None, "order_by": order_by, "descending": True,
            "limit": 50, "offset": 0,
        }
        plan = apsw.ext.query_info(raw_conn(store), _sql.query("list_threads"), bindings, explain_query_plan=True).query_plan
        lines = [line.strip() for line in plan_lines(plan)]
        assert f"SCAN threads USING INDEX {index}" in lines, "\n".join(lines)
        assert "SEARCH e USING COVERING INDEX entries_thread_parent (thread_id=?)" in lines, "\n".join(lines)
        assert "SEARCH l USING PRIMARY KEY (thread_id=?)" in lines, "\n".join(lines)
        assert "SEARCH t USING INDEX sqlite_autoindex_threads_1 (id=?)" in lines, "\n".join(lines)

    def test_find_thread_searches_an_index(self, store):
        plan = apsw.ext.query_info(raw_conn(store), _sql.query("find_thread"), {"name": "x"}, explain_query_plan=True).query_plan
        lines = [line.strip() for line in plan_lines(plan)]
        assert any(line.startswith("SEARCH t USING INDEX threads_title_nocase") for line in lines), "\n".join(lines)
        assert not any(line.startswith("SCAN t") for line in lines), "\n".join(lines)


class TestFindThread:
    def test_the_title_matches_ignoring_ascii_case(self, store):
        store.create_thread("Trip to Lisbon", thread_id="trip")
        store.create_thread("Trip to Lisbon, part 2", thread_id="trip2")
        for name in ["Trip to Lisbon", "trip to lisbon", "TRIP TO LISBON", "tRIP tO lISBON"]:
            assert store.find_thread(name).id == "trip"

    def test_the_whole_title_must_match_literally(self, store):
        store.create_thread("abc", thread_id="abc")
        for name in ["ab", "abcd", "a%", "a_c", " abc", "abc "]:
            with pytest.raises(NotFound):
                store.find_thread(name)

    def test_non_ascii_letters_must_match_in_case(self, store):
        store.create_thread("Café", thread_id="cafe")
        assert store.find_thread("CAFé").id == "cafe"
        with pytest.raises(NotFound, match="no thread is titled 'CAFÉ'"):
            store.find_thread("CAFÉ")

    def test_titles_differing_after_a_nul_are_different(self, store):
        store.create_thread("a\x00b", thread_id="ab")
        store.create_thread("a\x00c", thread_id="ac")
        assert store.find_thread("A\x00C").id == "ac"
        assert store.find_thread("a\x00B").id == "ab"
        with pytest.raises(NotFound):
            store.find_thread("a")

    def test_the_most_recently_updated_of_several_wins(self, store, db_path):
        for tid in ["x", "y", "z"]:
            store.create_thread("Same", thread_id=tid)
        _set_times(db_path, {"x": (1.0, 30.0), "y": (2.0, 10.0), "z": (3.0, 20.0)})
        assert store.find_thread("same").id == "x"
        store.append("y", "user", "now y is the newest")
        assert store.find_thread("SAME").id == "y"

    def test_ties_go_to_the_larger_id(self, store, db_path):
        for tid in ["m", "q", "b"]:
            store.create_thread("Same", thread_id=tid)
        _set_times(db_path, {tid: (1.0, 5.0) for tid in ["m", "q", "b"]})
        assert store.find_thread("Same").id == "q"

    def test_archived_threads_are_not_found(self, store):
        store.create_thread("Notes", thread_id="old")
        store.archive_thread("old")
        with pytest.raises(NotFound, match="archived threads are not searched"):
            store.find_thread("notes")
        store.create_thread("NOTES", thread_id="new")
        assert store.find_thread("notes").id == "new"
        store.unarchive_thread("old")  # now the most recently updated
        assert store.find_thread("notes").id == "old"

    def test_the_thread_carries_its_counts(self, store, thread, ids):
        found = store.find_thread("Test Thread")
        assert found == store.get_thread(thread.id)
        assert (found.entry_count, found.leaf_count) == (8, 4)

    def test_untitled_threads_are_never_found(self, store):
        store.create_thread(None, thread_id="untitled")
        with pytest.raises(NotFound):
            store.find_thread("None")

    @pytest.mark.parametrize(
        "name, message",
        [("", "name must be a non-empty string"), ("  ", "name must be a non-empty string"),
         (None, "name must be a string, not NoneType"), (5, "name must be a string, not int"),
         ("\udc00", "name is not valid Unicode")],
    )
    def test_a_bad_name_is_refused(self, store, db_path, name, message):
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=message):
            store.find_thread(name)
        assert logical_dump(db_path) == before


def test_a_file_from_before_this_migration_gets_the_new_indexes_and_lists(db_path):
    """A file at schema 5 (no jobs, no tools, no new indexes) is migrated on open and lists
    with counts at once."""
    real = _sql.migrations()
    old = schema_at(db_path, 5)
    old.execute("insert into threads (id, title, metadata, created_at, updated_at) values ('old', 'Old', '{}', 0, 0)")
    old.execute("insert into entries (thread_id, role, content, created_at, depth) values ('old', 'user', 'kept', 0, 0)")
    old.close()
    with threadtree.open(db_path) as store:
        assert raw_conn(store).pragma("user_version") == len(real)
        (listed,) = store.list_threads(order_by="created_at")
        assert (listed.id, listed.entry_count, listed.leaf_count) == ("old", 1, 1)
        assert store.find_thread("OLD").id == "old"
        store.set_tools("old", [{"name": "t"}])
        store.upsert_job("j", "n", "queued")


@pytest.mark.parametrize("big", [2**63, 2**64, 10**30])
def test_a_limit_or_offset_past_sqlites_integers_means_all_or_none(store, thread, big):
    """Found by test_fuzz: a count past SQLite's integers was an OverflowError from the binding."""
    assert [t.id for t in store.list_threads(limit=big)] == [thread.id]
    assert store.list_threads(limit=5, offset=big) == []
    assert len(store.path(thread.id, limit=big)) == len(store.path(thread.id))
