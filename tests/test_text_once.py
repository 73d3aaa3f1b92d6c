"""An entry's text stored once: an item that holds the entry's text is stored with "" in its
place and the place in content_path (migration 0004); every read puts the text back."""

from __future__ import annotations

import orjson
import pytest

import threadtree
from threadtree import _json
from threadtree._db import tree
from threadtree.store import database_of

from .helpers import connect, constraint_error, logical_dump, raw_conn

LONG = "What do 2 and 40 make, and is that a lucky number?"

# (item, the path its text is cut out at, or None: stored whole)
CASES = [
    ({"role": "user", "content": LONG}, "$.content"),
    (
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": LONG, "annotations": []}]},
        "$.content[0].text",
    ),
    ({"type": "function_call_output", "call_id": "c1", "output": LONG}, "$.output"),
    ({"role": "user", "content": LONG[:15]}, None),  # short: the path would cost what it saves
    ({"role": "user", "body": {"the text": LONG}}, None),  # a key that is not a plain name
    ({"a": {"b": {"c": {"d": {"e": LONG}}}}}, None),  # deeper than 4 levels
    ({"role": "user", "content": LONG.upper()}, None),  # not the text
    ([LONG, {"role": "user", "content": LONG}], "$[0]"),  # a list item, the shallowest place
    ({"parts": [{"x": 1}] * 70 + [LONG]}, None),  # past the 64 values looked at
    ({LONG: 1, "content": LONG}, "$.content"),  # the text's JSON twice in the item: cut by place
    ({"content": LONG, "quoted": f'say "{LONG}"'}, "$.content"),  # and inside another string
]


def _content(item):
    return LONG[:15] if item == CASES[3][0] else LONG


@pytest.mark.parametrize(("item", "path"), CASES)
def test_an_item_comes_back_exactly_and_its_text_is_stored_once(store, thread, item, path):
    content = _content(item)
    entry = store.append(thread.id, "user", content, item=item)
    assert entry.item == item
    assert store.get_entry(entry.id).item == item
    assert store.path(thread.id)[-1].item == item
    assert store.entries(thread.id)[-1].item == item
    if isinstance(item, dict):
        assert store.messages(thread.id)[-1] == item
    stored, stored_path = raw_conn(store).execute(
        "select item, content_path from entries where id = ?", (entry.id,)
    ).fetchone()
    assert stored_path == path
    if path is None:
        assert orjson.loads(stored) == item
    else:
        assert stored.count(content) == orjson.dumps(item).decode().count(content) - 1  # one copy cut
        assert len(stored) < len(orjson.dumps(item))
        # The view gives the item whole to anyone reading the file with SQL.
        whole = raw_conn(store).execute("select item from entry_items where id = ?", (entry.id,)).fetchone()[0]
        assert orjson.loads(whole) == item


def test_the_callers_item_is_not_changed(store, thread):
    item = {"role": "user", "content": [{"type": "input_text", "text": LONG}]}
    before = orjson.dumps(item)
    entry = store.append(thread.id, "user", LONG, item=item)
    assert orjson.dumps(item) == before
    assert entry.item is not item and entry.item == item


def test_extend_fork_and_a_keyed_retry_all_store_the_text_once(store, thread):
    item = {"role": "user", "content": LONG}
    first, second = store.extend(thread.id, [
        {"role": "user", "content": LONG, "item": item, "source_id": "k1"},
        {"role": "assistant", "content": LONG, "item": {"role": "assistant", "content": LONG}},
    ])
    forked = store.fork(first.id, "user", LONG, item=item)
    paths = [row[0] for row in raw_conn(store).execute("select content_path from entries order by id")]
    assert paths == ["$.content"] * 3
    # A retry with the same key compares the whole item, not the stored one.
    assert store.append(thread.id, "user", LONG, item=item, source_id="k1") == first
    with pytest.raises(threadtree.Conflict, match="item"):
        store.append(thread.id, "user", LONG, item={"role": "user", "content": LONG, "x": 1}, source_id="k1")
    assert [e.item for e in store.path_to(forked.id)] == [item, item]
    assert second.item == {"role": "assistant", "content": LONG}


def test_an_item_json_cannot_hold_is_refused_by_its_part_even_when_the_text_is_cut(store, thread, db_path):
    before = logical_dump(db_path)
    with pytest.raises(threadtree.InvalidInput, match=r"item\['x'\].*NaN|item\['x'\].*nan"):
        store.append(thread.id, "user", LONG, item={"content": LONG, "x": float("nan")})
    with pytest.raises(threadtree.InvalidInput, match=r"item\['x'\]"):
        store.append(thread.id, "user", LONG, item={"content": LONG, "x": (1, 2)})
    assert logical_dump(db_path) == before


def _damage(db_path, sql):
    conn = connect(db_path)
    conn.execute(sql)
    conn.close()


@pytest.mark.parametrize(("sql", "why"), [
    ("update entries set content_path = '$.nowhere'", "does not lead"),
    ("update entries set content_path = '$.content[0]'", "does not lead"),
    ("update entries set content_path = '$..content'", "not a path threadtree writes"),
    ("update entries set item = '{\"role\":\"user\",\"content\":\"changed\"}'", "empty string"),
])
def test_a_content_path_that_leads_nowhere_is_a_schema_error_and_a_bad_value(store, thread, db_path, sql, why):
    entry = store.append(thread.id, "user", LONG, item={"role": "user", "content": LONG})
    _damage(db_path, sql)
    with pytest.raises(threadtree.SchemaError, match="threadtree check"):
        store.get_entry(entry.id)
    with pytest.raises(threadtree.SchemaError):
        store.path(thread.id)
    problems = [p for p in store.check() if p.kind == "bad-value"]
    assert len(problems) == 1 and problems[0].entry_id == entry.id
    assert "content_path" in problems[0].message and why in problems[0].message


def test_the_schema_refuses_a_content_path_without_an_item(store, thread, db_path):
    store.append(thread.id, "user", LONG, item={"role": "user", "content": LONG})
    conn = connect(db_path)
    with pytest.raises(constraint_error(db_path)):
        conn.execute("update entries set item = null")
    with pytest.raises(constraint_error(db_path)):
        conn.execute("update entries set content_path = 'content'")
    conn.close()


def test_a_session_reads_back_items_whose_text_was_cut(store, thread):
    items = [case[0] for case in CASES if isinstance(case[0], dict)]
    for item in items:
        store.append(thread.id, "user", _content(item), item=item)
    with database_of(store).snapshot() as tx:
        leaf, ids, parents, read = tree.live_items(tx, thread.id)
    assert read == items
    assert list(ids) == [e.id for e in store.path(thread.id)]
    assert list(parents) == [e.parent_id or 0 for e in store.path(thread.id)]


@pytest.mark.parametrize("text", ["", "short", LONG])
def test_text_place_only_finds_plain_places(text):
    item = {"content": text, "weird key": text}
    place = _json.text_place(item, text)
    assert place == (None if len(text) < 16 else ("content",))
    if place is not None:
        path = _json.place_path(place)
        assert _json.path_place(path) == place
        cut = _json.with_text(item, place, "")
        assert cut["content"] == "" and item["content"] == text
        assert _json.put_text(cut, path, text) == item
