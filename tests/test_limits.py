"""The size cap: a content, title, item or metadata larger than the store's max_size is refused
with InvalidInput before anything is written."""

from __future__ import annotations

import pytest

import threadtree
from threadtree import InvalidInput
from threadtree.formats import Conversation, Node, _engine

from .helpers import logical_dump


@pytest.fixture
def small(db_path):
    with threadtree.open(db_path, max_size=1000) as store:
        store.create_thread(thread_id="t")
        store.append("t", "user", "root")
        yield store


def test_the_default_cap_is_64_mib(store):
    assert store.max_size == 64 * 2**20


@pytest.mark.parametrize("call, match", [
    (lambda s: s.append("t", "user", "x" * 1001), "content is 1,001 characters, more than the store's max_size of 1,000"),
    (lambda s: s.append("t", "user", "x", item={"k": "y" * 1000}), "item is 1,008 bytes of JSON, more than"),
    (lambda s: s.append("t", "user", "x", source_id="k" * 1001), "source_id is 1,001 characters"),
    (lambda s: s.fork(s.entries("t")[0].id, "user", "x" * 1001), "content is 1,001 characters"),
    (lambda s: s.extend("t", [{"role": "user", "content": "ok"}, {"role": "user", "content": "x" * 1001}]),
     r"messages\[1\].content is 1,001 characters"),
    (lambda s: s.create_thread("x" * 1001), "title is 1,001 characters"),
    (lambda s: s.create_thread(metadata={"k": "x" * 1000}), "metadata is 1,008 bytes of JSON"),
    (lambda s: s.update_thread("t", title="x" * 1001), "title is 1,001 characters"),
    (lambda s: s.update_thread("t", metadata={"k": "x" * 1000}), "metadata is 1,008 bytes of JSON"),
])
def test_a_value_over_the_cap_is_refused_and_nothing_is_written(small, call, match):
    before = logical_dump(small.filename)
    with pytest.raises(InvalidInput, match=match):
        call(small)
    assert logical_dump(small.filename) == before


def test_a_value_at_the_cap_is_stored(small):
    entry = small.append("t", "user", "é" * 1000)
    assert small.get_entry(entry.id).content == "é" * 1000


def test_an_import_skips_a_conversation_with_an_oversized_node(small):
    big = Conversation("test", "c", None, [Node("a", None, "user", "x" * 1001, None)])
    outcome = _engine.write_conversation(small, big)
    assert outcome.status == "skipped"
    assert outcome.reason.startswith("node a: content is 1,001 characters")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "big"])
def test_max_size_must_be_a_positive_int(db_path, bad):
    with pytest.raises(InvalidInput, match="max_size must be"):
        threadtree.open(db_path, max_size=bad)
