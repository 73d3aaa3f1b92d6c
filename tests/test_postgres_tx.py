"""The PostgreSQL engine's transactions, now that a BEGIN and the thread's row lock are sent
with the transaction's first query: a lock that cannot be had is still Busy with nothing
written, a read still sees one snapshot, and a transaction that ran no query leaves nothing
open. Skips without $THREADTREE_TEST_POSTGRES (fails under CI)."""

from __future__ import annotations

import psycopg
import pytest

import threadtree
from threadtree.store import database_of

from . import engines


@pytest.fixture
def url():
    schema = engines.Schema()
    yield schema.url
    schema.drop()


def _idle(store: threadtree.Store) -> bool:
    conn = database_of(store).engine().connection
    return conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_thread_locked_elsewhere_is_busy_and_nothing_is_written(url):
    with threadtree.open(url, timeout=0.2) as store:
        tid = store.create_thread(thread_id="t").id
        first = store.append(tid, "user", "a")
        with psycopg.connect(url) as other:  # a transaction holding the thread's row
            other.execute("select 1 from threads where id = 't' for update")
            with pytest.raises(threadtree.Busy, match="nothing was written"):
                store.append(tid, "user", "b")
            assert _idle(store)
        assert store.append(tid, "user", "c").parent_id == first.id
        assert [e.content for e in store.path(tid)] == ["a", "c"]


def test_a_read_of_several_statements_sees_one_snapshot(url):
    with threadtree.open(url) as store, psycopg.connect(url, autocommit=True) as other:
        store.create_thread(thread_id="t")
        db = database_of(store)
        with db.snapshot() as tx:
            before = tx.value("thread_leaf", {"thread_id": "t"})
            other.execute("insert into threads (id, created_at, updated_at) values ('u', 0, 0)")
            assert tx.one("get_thread", {"thread_id": "u"}) is None  # committed after the snapshot
        assert before is None
        assert store.get_thread("u").id == "u"
        assert _idle(store)


def test_a_transaction_without_a_query_leaves_nothing_open(url):
    with threadtree.open(url) as store:
        db = database_of(store)
        with db.write():
            pass
        with db.snapshot():
            pass
        assert _idle(store)
        with pytest.raises(ZeroDivisionError), db.write():
            1 / 0
        assert _idle(store)
        assert store.create_thread(thread_id="t").id == "t"
