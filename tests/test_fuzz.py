"""Hypothesis beyond the state machine of test_model.py: hostile values at the API boundary.

tests/test_model.py drives well-formed writes against a model of the forest. Here every
argument is wild: text with lone surrogates, NUL, bidi controls, combining marks, emoji and
now and then a megabyte; JSON-ish items with NaN, infinities, integers beyond 64 bits, tuples,
sets, bytes and non-string keys; ids of every type and range. The promise checked:

* a call either works or raises a :class:`threadtree.ThreadTreeError` (never ``TypeError``,
  ``UnicodeEncodeError``, ``OverflowError``, ``orjson.JSONEncodeError`` or an ``apsw`` error
  for bad input);
* what was stored reads back exactly equal (types included), through every read;
* a call that raised wrote nothing, and after every example the file is healthy
  (``check() == []``, ``PRAGMA integrity_check`` ok).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import apsw
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import threadtree
from threadtree import InvalidInput, ThreadTreeError
from .helpers import raw_conn

# -- strategies --

SPECIAL_TEXTS = [
    "", " ", "\x00", "a\x00b", "\ud800", "a\udfffb", "\udbff\udc00",  # a surrogate *pair* written separately
    "\u202e\u05e9\u05dc\u05d5\u05dd\u202c", "\u200f\u200e\u2066x\u2069", "e\u0301\u0301\u0301", "\U0001f469\u200d\U0001f4bb",
    "\ufeff", "\uffff", "\U0010ffff", "%_\\'\"", "'; drop table entries; --",
]
MEGABYTE = 1 << 20

any_char = st.characters(exclude_categories=())  # surrogates (Cs) included on purpose
short_texts = st.text(any_char, max_size=30) | st.sampled_from(SPECIAL_TEXTS)
# About one draw in twelve is a megabyte: big values are covered without making every example slow.
long_texts = st.builds(
    lambda unit, tail: (unit * (MEGABYTE // len(unit) + 1))[:MEGABYTE] + tail,
    st.sampled_from(["x", "é", "\U0001f600", "\u202e", "ab\x00", "\ud800"]), short_texts,
)
texts = st.integers(0, 11).flatmap(lambda n: long_texts if n == 0 else short_texts)

wild_scalars = (
    st.none() | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # beyond 64 bits, both ways
    | st.floats()  # NaN and the infinities included
    | short_texts
    | st.binary(max_size=4) | st.sets(st.integers(0, 3), max_size=2)
)
wild_values = st.recursive(
    wild_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(short_texts, inner, max_size=4)
        | st.dictionaries(st.integers(0, 3) | st.none() | st.booleans(), inner, min_size=1, max_size=2)
    ),
    max_leaves=10,
)
wild_ids = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, -1, 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, True, False, None, 1.0, float("nan"),
                       "1", "", b"1", [1], {"id": 1}])
    | st.booleans() | st.none() | st.floats() | short_texts
)


def exactly_equal(a: Any, b: Any) -> bool:
    """Equal and of the same JSON type all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(exactly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(exactly_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return False
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def storable_text(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable_json(value: Any) -> bool:
    """Would this come back exactly equal from JSON text?"""
    if value is None or isinstance(value, (bool, str)):
        return storable_text(value) if isinstance(value, str) else True
    if isinstance(value, int):
        return -(2**63) <= value <= 2**64 - 1
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(storable_json(v) for v in value)
    if isinstance(value, dict):
        return all(storable_text(k) for k in value) and all(storable_json(v) for v in value.values())
    return False  # tuples, sets, bytes


def healthy(store: threadtree.Store) -> None:
    assert store.check() == []
    assert raw_conn(store).execute("pragma integrity_check").fetchall() == [("ok",)]


def raw_rows(store: threadtree.Store) -> list:
    conn = raw_conn(store)
    return [conn.execute(f"select * from {table} order by 1, 2").fetchall() for table in ("threads", "entries", "leaves")]


SETTINGS = settings(
    max_examples=150, deadline=None, database=None,
    # No "explain" phase: tracing a failing example that holds megabyte strings costs
    # gigabytes. Shrinking stays, and the strategies keep megabyte texts one draw each.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


# -- text --


def test_any_text_is_stored_exactly_or_refused_cleanly(tmp_path):
    counter = itertools.count()
    with threadtree.open(tmp_path / "fuzz.db") as store:

        @SETTINGS
        @given(title=st.none() | texts, role=texts, content=texts, source_id=st.none() | texts, tid=short_texts)
        def run(title, role, content, source_id, tid):
            thread_id = f"{tid}#{next(counter)}"  # random text, never a taken id
            before = raw_rows(store)
            try:
                thread = store.create_thread(title, thread_id=thread_id)
            except ThreadTreeError:
                assert not (storable_text(thread_id) and (title is None or storable_text(title)))
                assert raw_rows(store) == before
                return
            assert (thread.id, thread.title) == (thread_id, title)
            assert store.get_thread(thread_id).title == title
            before = raw_rows(store)
            try:
                entry = store.append(thread_id, role, content, source_id=source_id)
            except ThreadTreeError as exc:
                assert isinstance(exc, InvalidInput)
                valid_role = storable_text(role) and role.strip()
                valid_source = source_id is None or (storable_text(source_id) and source_id.strip())
                assert not (valid_role and storable_text(content) and valid_source), exc
                assert raw_rows(store) == before
            else:
                for read in (store.get_entry(entry.id), store.path(thread_id)[-1], store.entries(thread_id)[0],
                             store.leaves(thread_id)[0]):
                    assert (read.role, read.content, read.source_id) == (role, content, source_id)
                if source_id is not None:
                    assert store.find_entry(thread_id, source_id).id == entry.id
                    again = store.append(thread_id, role, content, source_id=source_id)  # idempotent retry
                    assert again.id == entry.id
                assert store.messages(thread_id) == [{"role": role, "content": content}]
            try:  # a search of more than 50,000 bytes: see test_a_search_as_long_as_a_title_is_allowed
                found = store.list_threads(search=None if title is None else title[:10_000], limit=None)
            except ThreadTreeError:
                assert not storable_text(title)
            else:
                if title:
                    assert thread_id in [t.id for t in found]
            healthy(store)
            store.delete_thread(thread_id)  # keeps the file small: a megabyte may have gone in

        run()


def test_a_search_as_long_as_a_title_is_allowed(store):
    """A title may be up to max_size long, so a search may be too. SQLite refuses a LIKE
    pattern over 50,000 bytes (SQLITE_LIMIT_LIKE_PATTERN_LENGTH) with apsw.SQLError "LIKE or
    GLOB pattern too complex": it must work, or at least raise InvalidInput."""
    title = "é" * 30_000  # 60,000 bytes of UTF-8
    store.create_thread(title, thread_id="long")
    store.create_thread("short", thread_id="short")
    try:
        found = store.list_threads(search=title)
    except InvalidInput:
        return
    assert [t.id for t in found] == ["long"]


# -- JSON-ish items and metadata --


def test_any_item_is_stored_exactly_or_refused_cleanly(tmp_path):
    with threadtree.open(tmp_path / "fuzz.db") as store:
        store.create_thread("items", thread_id="t")

        @SETTINGS
        @given(item=wild_values, metadata=wild_values)
        def run(item, metadata):
            before = raw_rows(store)
            try:
                entry = store.append("t", "user", "x", item=item)
            except ThreadTreeError as exc:
                assert isinstance(exc, InvalidInput) and "item" in str(exc)
                assert not storable_json(item), f"{item!r} was refused: {exc}"
                assert raw_rows(store) == before
            else:
                assert storable_json(item), f"{item!r} was accepted"
                assert exactly_equal(store.get_entry(entry.id).item, item)
                assert exactly_equal(entry.item, item)
                extended = store.extend("t", [{"role": "user", "content": "y", "item": item}])
                assert exactly_equal(store.path("t")[-1].item, item)
                assert not isinstance(item, (dict, list)) or extended[0].item is not item  # a copy, not the caller's
            before = raw_rows(store)
            try:
                thread = store.update_thread("t", metadata=metadata)
            except ThreadTreeError as exc:
                assert isinstance(exc, InvalidInput) and "metadata" in str(exc)
                assert not (isinstance(metadata, dict) and storable_json(metadata)), f"{metadata!r}: {exc}"
                assert raw_rows(store) == before
            else:
                assert isinstance(metadata, dict) and storable_json(metadata) or metadata is None
                expected = {} if metadata is None else metadata
                assert exactly_equal(thread.metadata, expected)
                assert exactly_equal(store.get_thread("t").metadata, expected)
            healthy(store)

        run()


# -- ids of every type and range --

ID_CALLS = [
    ("get_thread", lambda s, x, y: s.get_thread(x)),
    ("get_entry", lambda s, x, y: s.get_entry(x)),
    ("path", lambda s, x, y: s.path(x, limit=y)),
    ("path_to", lambda s, x, y: s.path_to(x, limit=y)),
    ("children", lambda s, x, y: s.children(x)),
    ("siblings", lambda s, x, y: s.siblings(x)),
    ("subtree", lambda s, x, y: s.subtree(x)),
    ("leaves", lambda s, x, y: s.leaves(x)),
    ("entries", lambda s, x, y: s.entries(x)),
    ("messages", lambda s, x, y: s.messages(x, limit=y)),
    ("common_ancestor", lambda s, x, y: s.common_ancestor(x, y)),
    ("find_entry", lambda s, x, y: s.find_entry(x, y)),
    ("find_entry in t", lambda s, x, y: s.find_entry("t", x)),
    ("check", lambda s, x, y: s.check(x)),
    ("render_tree", lambda s, x, y: s.render_tree(x, max_depth=y)),
    ("list_threads", lambda s, x, y: s.list_threads(limit=x, offset=y)),
    ("append parent", lambda s, x, y: s.append("t", "user", "new", parent_id=x, expected_leaf_id=y)),
    ("append source", lambda s, x, y: s.append("t", "user", "new", source_id=x)),
    ("append thread", lambda s, x, y: s.append(x, "user", "new", expected_leaf_id=y)),
    ("extend", lambda s, x, y: s.extend("t", [{"role": "user", "content": "new", "source_id": x}], parent_id=y)),
    ("fork", lambda s, x, y: s.fork(x, "assistant", "new", expected_leaf_id=y)),
    ("rewind", lambda s, x, y: s.rewind("t", x, expected_leaf_id=y)),
    ("rewind thread", lambda s, x, y: s.rewind(x, y)),
    ("delete_branch", lambda s, x, y: s.delete_branch(x)),
    ("create_thread", lambda s, x, y: s.create_thread(None, thread_id=x)),
    ("update_thread", lambda s, x, y: s.update_thread(x, title="renamed")),
    ("archive_thread", lambda s, x, y: s.archive_thread(x)),
]


def test_any_id_is_accepted_or_refused_cleanly(tmp_path):
    with threadtree.open(tmp_path / "fuzz.db") as store:

        def fresh() -> None:
            """Threads t (a - b - c, d forked from a) and u (e), rebuilt after a write."""
            for thread in store.list_threads(limit=None, include_archived=True):
                store.delete_thread(thread.id)
            store.create_thread("t", thread_id="t")
            store.create_thread("u", thread_id="u")
            a = store.append("t", "user", "a", source_id="sa")
            store.append("t", "assistant", "b")
            store.append("t", "user", "c")
            store.fork(a.id, "assistant", "d")
            store.append("u", "user", "e")

        fresh()

        @SETTINGS
        @given(call=st.sampled_from(ID_CALLS), x=wild_ids, y=wild_ids)
        def run(call, x, y):
            name, fn = call
            before = raw_rows(store)
            try:
                fn(store, x, y)
            except ThreadTreeError:
                assert raw_rows(store) == before, f"{name}({x!r}, {y!r}) raised but wrote"
            except (TypeError, ValueError, OverflowError, UnicodeError, apsw.Error) as exc:
                raise AssertionError(f"{name}({x!r}, {y!r}) raised {type(exc).__name__}: {exc}") from exc
            healthy(store)
            if raw_rows(store) != before:
                fresh()

        run()


def test_the_strategies_reach_the_hard_cases():
    """A negative control for the strategies: they do produce what the tests claim to try."""
    assert not storable_text("\ud800") and storable_text("\x00")
    assert not storable_json((1, 2)) and not storable_json({1: 2}) and not storable_json(float("nan"))
    assert not storable_json(2**64) and storable_json(2**64 - 1) and not storable_json({1, 2})
    assert not exactly_equal([1], [1.0]) and not exactly_equal(True, 1) and not exactly_equal(0.0, -0.0)
    seen = set()

    @settings(max_examples=120, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(texts, wild_values, wild_ids)
    def sample(text, value, some_id):
        seen.add("surrogate" if not storable_text(text) else "long" if len(text) >= MEGABYTE else "text")
        seen.add("storable" if storable_json(value) else "unstorable")
        seen.add(type(some_id).__name__)

    sample()
    assert {"surrogate", "long", "text", "storable", "unstorable", "int", "str", "bool", "NoneType"} <= seen
