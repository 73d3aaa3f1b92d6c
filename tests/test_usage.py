"""Token usage stored with entries (append/fork/extend ``usage=``) and ``Store.usage``."""

from __future__ import annotations

import pytest

import threadtree
from threadtree.formats import export_thread, jsonl

from .helpers import connect, logical_dump

SDK_USAGE = {
    "requests": 1, "input_tokens": 812, "output_tokens": 95, "total_tokens": 907,
    "input_tokens_details": {"cached_tokens": 512}, "output_tokens_details": {"reasoning_tokens": 40},
}


def test_usage_is_stored_with_the_entry_and_read_back(store, thread):
    entry = store.append(thread.id, "assistant", "hi", usage=SDK_USAGE)
    assert entry.usage == SDK_USAGE
    assert store.get_entry(entry.id).usage == SDK_USAGE
    assert store.path(thread.id)[0].usage == SDK_USAGE
    plain = store.append(thread.id, "user", "no usage")
    assert plain.usage is None and store.get_entry(plain.id).usage is None


def test_usage_sums_the_live_path_or_every_branch(store, thread):
    q = store.append(thread.id, "user", "q")
    store.append(thread.id, "assistant", "a1", usage={"input_tokens": 10, "output_tokens": 5})
    store.fork(q.id, "assistant", "a2", usage={"input_tokens": 12, "output_tokens": 7.5})
    store.extend(thread.id, [
        {"role": "user", "content": "more"},
        {"role": "assistant", "content": "a3", "usage": SDK_USAGE},
    ])
    assert store.usage(thread.id) == {
        "input_tokens": 824, "output_tokens": 102.5, "requests": 1, "total_tokens": 907,
        "input_tokens_details": {"cached_tokens": 512}, "output_tokens_details": {"reasoning_tokens": 40},
    }
    everything = store.usage(thread.id, live_path_only=False)
    assert everything["input_tokens"] == 834 and everything["output_tokens"] == 107.5
    store.rewind(thread.id, q.id)
    assert store.usage(thread.id) == {}
    store.rewind(thread.id, None)
    assert store.usage(thread.id) == {}
    assert store.usage(thread.id, live_path_only=False)["input_tokens"] == 834


def test_usage_of_an_unknown_thread_or_with_a_bad_flag_raises(store, thread):
    with pytest.raises(threadtree.NotFound, match="nope"):
        store.usage("nope")
    with pytest.raises(threadtree.InvalidInput, match="live_path_only"):
        store.usage(thread.id, live_path_only="yes")


@pytest.mark.parametrize(("usage", "match"), [
    ("812", "usage must be a dict of numbers"),
    ([1, 2], "usage must be a dict of numbers"),
    ({"input_tokens": "812"}, r"usage\['input_tokens'\] must be a number"),
    ({"input_tokens": True}, r"usage\['input_tokens'\] must be a number"),
    ({"input_tokens": float("nan")}, r"usage\['input_tokens'\] must be a number"),
    ({"input_tokens": None}, r"usage\['input_tokens'\] must be a number"),
    ({"": 1}, "keys must be non-empty strings"),
    ({1: 1}, "keys must be non-empty strings"),
    ({"a": {"b": {"c": {"d": {"e": 1}}}}}, "nests too deep"),
    ({"details": {"cached": "x"}}, r"usage\['details'\]\['cached'\] must be a number"),
])
def test_bad_usage_is_refused_and_nothing_is_written(store, thread, db_path, usage, match):
    before = logical_dump(db_path)
    with pytest.raises(threadtree.InvalidInput, match=match):
        store.append(thread.id, "assistant", "x", usage=usage)
    with pytest.raises(threadtree.InvalidInput, match=r"messages\[1\]\.usage"):
        store.extend(thread.id, [{"role": "user", "content": "ok"}, {"role": "assistant", "content": "x", "usage": usage}])
    assert logical_dump(db_path) == before


def test_a_keyed_retry_with_other_usage_is_a_conflict(store, thread):
    first = store.append(thread.id, "assistant", "x", usage={"output_tokens": 1}, source_id="k")
    assert store.append(thread.id, "assistant", "x", usage={"output_tokens": 1}, source_id="k") == first
    with pytest.raises(threadtree.Conflict, match="usage"):
        store.append(thread.id, "assistant", "x", usage={"output_tokens": 2}, source_id="k")


def test_usage_survives_a_jsonl_dump_and_restore(tmp_path, store, thread):
    store.append(thread.id, "assistant", "x", usage=SDK_USAGE)
    lines = export_thread(store, thread.id, "jsonl")
    assert lines[1]["usage"] == SDK_USAGE
    with threadtree.open(tmp_path / "other.db") as other:
        assert jsonl.write(other, jsonl.Block("dump", lines[0], lines[1:])).status == "imported"
        assert other.path(thread.id)[0].usage == SDK_USAGE
        assert other.usage(thread.id) == SDK_USAGE
    lines[1]["usage"] = {"output_tokens": "many"}
    with threadtree.open(tmp_path / "third.db") as third:
        outcome = jsonl.write(third, jsonl.Block("dump", lines[0], lines[1:]))
        assert outcome.status == "skipped" and "usage" in outcome.reason


def test_check_names_usage_that_is_not_a_json_object(store, thread, db_path):
    entry = store.append(thread.id, "assistant", "x", usage={"output_tokens": 1})
    conn = connect(db_path)
    conn.execute("update entries set usage = '[1, 2]'")
    conn.close()
    problems = [p for p in store.check() if p.kind == "bad-value"]
    assert [(p.entry_id, "usage" in p.message) for p in problems] == [(entry.id, True)]
    # Store.usage leaves out what another tool wrote wrong instead of failing.
    assert store.usage(thread.id) == {}
