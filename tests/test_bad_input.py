"""Bad input: a clear threadtree error naming what was wrong, and nothing written."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from threadtree import Conflict, InvalidInput, NotFound, ThreadTreeError

from .helpers import logical_dump

NAN, INF = float("nan"), float("inf")


def _append(**override):
    given = {"thread_id": "t", "role": "user", "content": "hi"} | override

    def call(store, ids):  # a copy each time: the case runs once per engine
        args = dict(given)
        return store.append(args.pop("thread_id"), args.pop("role"), args.pop("content"), **args)

    return call


def _fork(**override):
    given = {"role": "user", "content": "hi"} | override

    def call(store, ids):
        args = dict(given)
        return store.fork(args.pop("entry_id", ids["a"]), args.pop("role"), args.pop("content"), **args)

    return call


# (call, error, pattern the message must match)
BAD = [
    # roles
    pytest.param(_append(role=""), InvalidInput, "role must be a non-empty string, not ''", id="empty-role"),
    pytest.param(_append(role="  \n"), InvalidInput, "role must be a non-empty", id="blank-role"),
    pytest.param(_append(role=None), InvalidInput, "role must be a string, not NoneType", id="none-role"),
    pytest.param(_append(role=7), InvalidInput, "role must be a string, not int 7", id="int-role"),
    pytest.param(_append(role="us\ud800er"), InvalidInput, "role is not valid Unicode.*position 2", id="surrogate-role"),
    # content
    pytest.param(_append(content=None), InvalidInput, "content must be a string", id="none-content"),
    pytest.param(_append(content=3), InvalidInput, "content must be a string, not int", id="int-content"),
    pytest.param(_append(content=b"bytes"), InvalidInput, "content must be a string, not bytes", id="bytes-content"),
    pytest.param(_append(content="a\udfffb"), InvalidInput, "content is not valid Unicode", id="surrogate-content"),
    # items JSON cannot hold exactly
    pytest.param(_append(item=NAN), InvalidInput, "item cannot be stored exactly.*nan", id="nan-item"),
    pytest.param(_append(item=INF), InvalidInput, "item cannot be stored exactly.*inf", id="inf-item"),
    pytest.param(_append(item={"a": [1, -INF]}), InvalidInput, r"item\['a'\]\[1\].*-inf", id="nested-inf"),
    pytest.param(_append(item={1: "x"}), InvalidInput, "item cannot be stored as JSON.*str", id="int-key"),
    pytest.param(_append(item={("a",): 1}), InvalidInput, "item cannot be stored as JSON", id="tuple-key"),
    pytest.param(_append(item={"a"}), InvalidInput, "item cannot be stored as JSON.*set", id="set-item"),
    pytest.param(_append(item=object()), InvalidInput, "item cannot be stored as JSON", id="object-item"),
    pytest.param(_append(item=decimal.Decimal("1.5")), InvalidInput, "item cannot be stored as JSON", id="decimal"),
    pytest.param(_append(item=(1, 2)), InvalidInput, "item cannot be stored exactly.*tuple.*use a list", id="tuple"),
    pytest.param(_append(item={"k": [(1,)]}), InvalidInput, r"item\['k'\]\[0\].*tuple", id="nested-tuple"),
    pytest.param(_append(item=datetime.datetime(2026, 1, 1)), InvalidInput, "item .*datetime", id="datetime"),
    pytest.param(_append(item={"id": uuid.UUID(int=1)}), InvalidInput, r"item\['id'\].*UUID", id="uuid"),
    pytest.param(_append(item=2**64), InvalidInput, "item cannot be stored as JSON.*64-bit", id="huge-int"),
    pytest.param(_append(item={"s": "\ud800"}), InvalidInput, "item cannot be stored as JSON.*surrogates", id="surrogate-item"),
    # ids and their threads
    pytest.param(_append(thread_id="nope"), NotFound, "thread 'nope' does not exist", id="unknown-thread"),
    pytest.param(_append(thread_id=""), InvalidInput, "thread_id must be a non-empty string", id="empty-thread-id"),
    pytest.param(_append(thread_id=5), InvalidInput, "thread_id must be a string, not int", id="int-thread-id"),
    pytest.param(_append(thread_id="t\udc00"), InvalidInput, "thread_id is not valid Unicode", id="surrogate-thread-id"),
    pytest.param(_append(parent_id="1"), InvalidInput, "parent_id must be an int, not str", id="str-parent"),
    pytest.param(_append(parent_id=True), InvalidInput, "parent_id must be an int, not bool", id="bool-parent"),
    pytest.param(_append(parent_id=10**6), NotFound, r"entry 1000000 \(parent_id\) does not exist", id="unknown-parent"),
    pytest.param(_append(parent_id=2**70), NotFound, "entry 1180591620717411303424 does not exist", id="huge-parent"),
    pytest.param(
        lambda store, ids: store.append("t", "user", "x", parent_id=ids["other"]),
        InvalidInput, "parent_id .* belongs to thread 'other', not 't'", id="cross-thread-parent",
    ),
    pytest.param(_append(expected_leaf_id="2"), InvalidInput, "expected_leaf_id must be an int", id="str-expected"),
    pytest.param(_append(expected_leaf_id=999), Conflict, "not at expected_leaf_id 999", id="stale-expected"),
    # fork
    pytest.param(_fork(entry_id="1"), InvalidInput, "entry_id must be an int, not str", id="fork-str-id"),
    pytest.param(_fork(entry_id=None), InvalidInput, "entry_id must be an int, not NoneType", id="fork-none-id"),
    pytest.param(_fork(entry_id=1.0), InvalidInput, "entry_id must be an int, not float", id="fork-float-id"),
    pytest.param(_fork(entry_id=404), NotFound, "entry 404 does not exist", id="fork-unknown"),
    pytest.param(_fork(role=""), InvalidInput, "role", id="fork-empty-role"),
    pytest.param(_fork(item=NAN), InvalidInput, "item", id="fork-nan-item"),
    # rewind
    pytest.param(lambda store, ids: store.rewind("t", "1"), InvalidInput, "entry_id must be an int", id="rewind-str"),
    pytest.param(lambda store, ids: store.rewind("t", 404), NotFound, "entry 404", id="rewind-unknown"),
    pytest.param(lambda store, ids: store.rewind("nope", ids["a"]), NotFound, "'nope'", id="rewind-unknown-thread"),
    pytest.param(
        lambda store, ids: store.rewind("t", ids["other"]),
        InvalidInput, "entry_id .* belongs to thread 'other', not 't'", id="rewind-cross-thread",
    ),
    # extend
    pytest.param(
        lambda store, ids: store.extend("t", [{"role": "user", "content": "ok"}, {"role": "user", "content": 1}]),
        InvalidInput, r"messages\[1\]\.content", id="extend-bad-second",
    ),
    pytest.param(
        lambda store, ids: store.extend("t", [{"role": "user", "content": "ok"}], parent_id=ids["other"]),
        InvalidInput, "parent_id", id="extend-cross-thread-parent",
    ),
    # threads
    pytest.param(lambda store, ids: store.create_thread(3), InvalidInput, "title must be a string", id="int-title"),
    pytest.param(lambda store, ids: store.create_thread("\ud800"), InvalidInput, "title is not valid Unicode", id="surrogate-title"),
    pytest.param(lambda store, ids: store.create_thread(metadata=["x"]), InvalidInput, "metadata must be a dict", id="list-metadata"),
    pytest.param(lambda store, ids: store.create_thread(metadata={"a": NAN}), InvalidInput, r"metadata\['a'\]", id="nan-metadata"),
    pytest.param(lambda store, ids: store.create_thread(thread_id=""), InvalidInput, "thread_id", id="empty-new-id"),
    pytest.param(lambda store, ids: store.create_thread(thread_id=7), InvalidInput, "thread_id", id="int-new-id"),
    pytest.param(lambda store, ids: store.create_thread(thread_id="t"), Conflict, "'t' already exists", id="duplicate-id"),
    pytest.param(lambda store, ids: store.update_thread("t", title=5), InvalidInput, "title", id="update-int-title"),
    pytest.param(lambda store, ids: store.update_thread("t", metadata="x"), InvalidInput, "metadata", id="update-str-metadata"),
    pytest.param(lambda store, ids: store.update_thread("nope", title="x"), NotFound, "'nope'", id="update-unknown"),
    pytest.param(lambda store, ids: store.archive_thread(""), InvalidInput, "thread_id", id="archive-empty-id"),
    pytest.param(lambda store, ids: store.delete_thread("nope"), NotFound, "'nope'", id="delete-unknown-thread"),
    pytest.param(lambda store, ids: store.delete_branch("1"), InvalidInput, "entry_id", id="delete-branch-str"),
    pytest.param(lambda store, ids: store.delete_branch(404), NotFound, "entry 404", id="delete-branch-unknown"),
    # limits, offsets and searches
    pytest.param(lambda store, ids: store.path("t", limit=0), InvalidInput, "limit must be at least 1, not 0", id="limit-0"),
    pytest.param(lambda store, ids: store.path("t", limit=-1), InvalidInput, "limit must be at least 1, not -1", id="limit-neg"),
    pytest.param(lambda store, ids: store.path("t", limit=True), InvalidInput, "limit must be an int or None, not bool", id="limit-bool"),
    pytest.param(lambda store, ids: store.path("t", limit=2.0), InvalidInput, "limit must be an int or None, not float", id="limit-float"),
    pytest.param(lambda store, ids: store.path_to(ids["a"], limit=0), InvalidInput, "limit", id="path-to-limit-0"),
    pytest.param(lambda store, ids: store.messages("t", limit=0), InvalidInput, "limit", id="messages-limit-0"),
    pytest.param(lambda store, ids: store.list_threads(limit=0), InvalidInput, "limit must be at least 1", id="list-limit-0"),
    pytest.param(lambda store, ids: store.list_threads(offset=-1), InvalidInput, "offset must be at least 0", id="list-offset-neg"),
    pytest.param(lambda store, ids: store.list_threads(search=5), InvalidInput, "search must be a string", id="search-int"),
    pytest.param(lambda store, ids: store.list_threads(search="\ud800"), InvalidInput, "search is not valid Unicode", id="search-surrogate"),
    pytest.param(lambda store, ids: store.list_threads(include_archived="no"), InvalidInput, "include_archived must be True or False", id="archived-str"),
    pytest.param(lambda store, ids: store.get_entry(1.5), InvalidInput, "entry_id must be an int", id="get-entry-float"),
    pytest.param(lambda store, ids: store.get_entry(404), NotFound, "entry 404", id="get-entry-unknown"),
]


@pytest.fixture
def ids(store):
    store.create_thread("main", thread_id="t")
    store.create_thread("other", thread_id="other")
    a = store.append("t", "user", "a")
    store.append("t", "assistant", "b")
    other = store.append("other", "user", "elsewhere")
    return {"a": a.id, "other": other.id}


@pytest.mark.parametrize("call, error, pattern", BAD)
def test_bad_input_names_the_problem_and_writes_nothing(store, db_path, ids, call, error, pattern):
    before = logical_dump(db_path)
    with pytest.raises(error, match=pattern) as caught:
        call(store, ids)
    assert isinstance(caught.value, ThreadTreeError)
    assert logical_dump(db_path) == before
    store.append("t", "user", "the store still works")  # and nothing was left half-open


def test_invalid_input_is_also_a_value_error(store, ids):
    with pytest.raises(ValueError):
        store.append("t", "", "x")
