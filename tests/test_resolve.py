"""Store.resolve_thread: a thread named by its id, a unique id prefix or its title (issue 15)."""

from __future__ import annotations

import time

import apsw
import apsw.ext
import pytest

from threadtree import Ambiguous, InvalidInput, NotFound
from threadtree._db.sqlite import SQL as _sql
from threadtree._api.threads import _after_prefix

from .helpers import plan_lines, raw_conn


@pytest.fixture
def named(store):
    """Threads with hex ids as create_thread makes them, two sharing a 5-character prefix, and
    titles that collide on purpose."""
    store.create_thread("Trip planning", thread_id="4f2a9c0e11")
    store.create_thread("Trip planning, again", thread_id="4f2a9d7700")
    store.create_thread("Groceries", thread_id="b07c11aa00")
    store.create_thread("b07c", thread_id="0000aaaa00")  # a title that is another thread's prefix
    store.create_thread("dup", thread_id="d1")
    store.create_thread("DUP", thread_id="d2")
    store.create_thread(None, thread_id="untitled-1")
    return store


class TestWhatNamesAThread:
    @pytest.mark.parametrize("text, expected", [
        ("4f2a9c0e11", "4f2a9c0e11"),  # the whole id
        ("4f2a9c", "4f2a9c0e11"),  # a unique prefix
        ("4f2a9d", "4f2a9d7700"),
        ("Groceries", "b07c11aa00"),  # a title
        ("gROCERIES", "b07c11aa00"),  # ASCII case is ignored, as find_thread ignores it
        ("title:Groceries", "b07c11aa00"),
        ("id:b07c1", "b07c11aa00"),
        ("id:b07c", "b07c11aa00"),  # only the id: the thread titled 'b07c' does not count
        ("title:b07c", "0000aaaa00"),  # only the title
        ("unti", "untitled-1"),  # ids made by hand work too
    ])
    def test_it_resolves(self, named, text, expected):
        assert named.resolve_thread(text).id == expected

    def test_an_exact_id_wins_over_everything(self, named):
        named.create_thread("4f2a9c0e11", thread_id="4f2a")  # an id that is also a prefix and a title
        assert named.resolve_thread("4f2a").id == "4f2a"
        named.create_thread("x", thread_id="title:Groceries")
        assert named.resolve_thread("title:Groceries").id == "title:Groceries"

    def test_the_thread_comes_with_its_counts(self, named):
        named.append("4f2a9c0e11", "user", "hi")
        thread = named.resolve_thread("4f2a9c")
        assert (thread.entry_count, thread.leaf_count) == (1, 1)
        assert named.resolve_thread("4f2a9c0e11").entry_count == 1

    def test_archived_threads_count(self, named):
        named.archive_thread("b07c11aa00")
        assert named.resolve_thread("Groceries").archived
        assert named.resolve_thread("b07c1").id == "b07c11aa00"


class TestNeverAGuess:
    def test_a_shared_prefix_is_ambiguous_and_lists_the_candidates(self, named):
        with pytest.raises(Ambiguous, match="give more of the id") as caught:
            named.resolve_thread("4f2a9")
        assert [t.id for t in caught.value.candidates] == ["4f2a9c0e11", "4f2a9d7700"]
        assert "4f2a9c0e11 'Trip planning' (id prefix)" in str(caught.value)
        assert isinstance(caught.value, InvalidInput) and not isinstance(caught.value, NotFound)

    def test_a_prefix_of_one_thread_that_is_the_title_of_another_is_ambiguous(self, named):
        with pytest.raises(Ambiguous, match="write id:b07c or title:b07c") as caught:
            named.resolve_thread("b07c")
        assert {t.id for t in caught.value.candidates} == {"b07c11aa00", "0000aaaa00"}

    def test_two_threads_with_one_title_are_ambiguous(self, named):
        with pytest.raises(Ambiguous, match="name it by its id") as caught:
            named.resolve_thread("title:dup")
        assert {t.id for t in caught.value.candidates} == {"d1", "d2"}

    def test_many_candidates_are_cut_and_said_to_be_more(self, store):
        for k in range(15):
            store.create_thread(thread_id=f"abcd{k:02}")
        with pytest.raises(Ambiguous, match="fits 11 or more threads") as caught:
            store.resolve_thread("abcd")
        assert len(caught.value.candidates) == 10 and str(caught.value).count("(id prefix)") == 10

    def test_long_titles_are_cut_and_the_message_stays_one_line(self, store):
        store.create_thread("x" * 500 + "\nsecond line", thread_id="abcd1")
        store.create_thread(None, thread_id="abcd2")
        with pytest.raises(Ambiguous) as caught:
            store.resolve_thread("abcd")
        message = str(caught.value)
        assert "\n" not in message and len(message) < 200
        assert f"abcd1 '{'x' * 39}…' (id prefix); abcd2 no title (id prefix)" in message

    @pytest.mark.parametrize("text, message", [
        ("4f2", "needs at least 4 characters"),  # short: not taken as a prefix
        ("id:4f2", "no thread id starts with '4f2' (an id prefix needs at least 4 characters)"),
        ("zzzz", "thread 'zzzz' does not exist"),
        ("title:Nope", "no thread is titled 'Nope'"),
        ("Trip", "thread 'Trip' does not exist"),  # titles match whole, not in part
    ])
    def test_nothing_fits(self, named, text, message):
        with pytest.raises(NotFound, match=message.replace("(", r"\(").replace(")", r"\)")):
            named.resolve_thread(text)

    @pytest.mark.parametrize("text", ["", "   ", "title:", "id:", 4, None, "\ud800"])
    def test_bad_input(self, named, text):
        with pytest.raises(InvalidInput):
            named.resolve_thread(text)


class TestPrefixBounds:
    @pytest.mark.parametrize("prefix, upper", [
        ("abcd", "abce"),
        ("ab\U0010ffff", "ac"),
        ("a\ud7ff"[:1] + "\ud7ff", "a\ue000"),  # surrogates cannot be stored: skipped
        ("\U0010ffff", None),  # nothing above: no upper bound
    ])
    def test_the_upper_bound_is_the_first_string_past_the_prefix(self, prefix, upper):
        assert _after_prefix(prefix) == upper

    def test_prefixes_at_the_edges_of_unicode_find_their_threads(self, store):
        top = "\U0010ffff" * 4
        for tid in [top + "z", "abc\ud7ff\U0010ffffz", "abc\ue000zzz", "abc\U0010fffe"]:
            store.create_thread(thread_id=tid)
        assert store.resolve_thread(top).id == top + "z"  # no upper bound: threads_from_id
        assert store.resolve_thread("id:" + top).id == top + "z"
        assert store.resolve_thread("abc\ud7ff").id == "abc\ud7ff\U0010ffffz"  # bound: abc + U+E000
        assert store.resolve_thread("abc\ue000").id == "abc\ue000zzz"
        assert store.resolve_thread("abc\U0010fffe").id == "abc\U0010fffe"  # exact, and its own range


def test_lookups_search_indexes_among_100000_threads(store):
    """Each query resolve_thread runs is an index SEARCH, never a SCAN of threads: checked on
    a file of 100,000 threads, with and without ANALYZE statistics."""
    conn = raw_conn(store)
    now = time.time()
    with conn:
        conn.executemany(
            "insert into threads (id, title, metadata, created_at, updated_at) values (?, ?, '{}', ?, ?)",
            ((f"{k * 2654435761 % 2**32:08x}{k:024x}", f"title {k % 1000}", now, now) for k in range(100_000)),
        )
    queries = [
        ("threads_by_id_prefix", {"low": "4f2a", "high": _after_prefix("4f2a"), "limit": 11}),
        ("threads_from_id", {"low": "4f2a", "limit": 11}),
        ("threads_titled", {"title": "title 7", "limit": 11}),
    ]
    for analyzed in (False, True):
        if analyzed:
            conn.execute("analyze")
        for name, bindings in queries:
            plan = apsw.ext.query_info(conn, _sql.query(name), bindings, explain_query_plan=True).query_plan
            lines = [line.strip() for line in plan_lines(plan)]
            assert not [line for line in lines if line.startswith("SCAN")], (name, analyzed, lines)
            assert any(line.startswith("SEARCH t USING") for line in lines), (name, analyzed, lines)
    some = conn.execute("select id from threads order by id limit 1 offset 5000").get
    assert store.resolve_thread(some[:12]).id == some
    store.create_thread("The one", thread_id="one")
    assert store.resolve_thread("the ONE").id == "one"
    with pytest.raises(Ambiguous):
        store.resolve_thread("title 8")  # 100 threads share it
