"""Concurrent writers on one file: processes and threads, all appending to one thread.

What must hold: no writer ever sees an error, every acknowledged entry is present, and the
thread is one chain (each append read the leaf under the write lock, so no two appends ever
took the same parent: a fork nobody asked for).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import apsw
import pytest

import threadtree
from threadtree import Busy

from .helpers import WriteLock, run_together

WORKER = Path(__file__).with_name("workers.py")


def _run_together(args_per_worker: list[list[str]], timeout: float = 120) -> list[list[str]]:
    """Start every worker, release them at once, return each one's output words."""
    return [out.split() for out in run_together(WORKER, args_per_worker, timeout)]


def _assert_one_chain(store: threadtree.Store, thread_id: str, acknowledged: list[int]) -> None:
    assert store.check() == []
    path = store.path(thread_id)
    assert len(store.leaves(thread_id)) == 1, "an append forked the thread"
    assert sorted(e.id for e in path) == sorted(acknowledged)
    assert [e.parent_id for e in path] == [None] + [e.id for e in path[:-1]]
    assert [e.depth for e in path] == list(range(len(path)))


@pytest.mark.slow
def test_processes_appending_to_one_thread_make_one_chain(db_path, engine):
    with threadtree.open(db_path) as store:
        store.create_thread("shared", thread_id="shared")
    writers, each = 8, 250
    outputs = _run_together([["append", str(db_path), "shared", str(each), f"w{n}"] for n in range(writers)])
    acknowledged = [int(line) for out in outputs for line in out]
    assert len(acknowledged) == writers * each
    with threadtree.open(db_path) as store:
        _assert_one_chain(store, "shared", acknowledged)
        # Each writer's own entries are in the order it wrote them.
        path_contents = [e.content for e in store.path("shared")]
        for n in range(writers):
            mine = [c for c in path_contents if c.startswith(f"w{n}-")]
            assert mine == [f"w{n}-{k}" for k in range(each)]
        assert store.check() == []
    if engine == "sqlite":
        assert apsw.Connection(str(db_path)).pragma("integrity_check") == "ok"


@pytest.mark.slow
def test_processes_racing_with_the_same_idempotency_keys_write_each_message_once(db_path):
    """4 processes send the same 100 keyed messages, as retries racing each other would:
    every process is told the same id for each key, and the thread holds each message once."""
    with threadtree.open(db_path) as store:
        store.create_thread("keyed", thread_id="keyed")
    outputs = _run_together([["keyed", str(db_path), "keyed", "100"] for _ in range(4)])
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3]
    with threadtree.open(db_path) as store:
        _assert_one_chain(store, "keyed", [int(i) for i in outputs[0]])
        assert [e.content for e in store.path("keyed")] == [str(k) for k in range(100)]


@pytest.mark.slow
def test_processes_creating_a_new_file_together_all_succeed(tmp_path):
    """8 processes open the same 25 new files one after another, in lockstep: 200 racing
    opens. (A check that read the file's header and its tables in two snapshots failed
    about one open in 80 here.)"""
    files = [str(tmp_path / f"new-{k}.db") for k in range(25)]
    outputs = _run_together([["open", *files] for _ in range(8)])
    versions = {line for out in outputs for line in out}
    assert versions == {str(len(threadtree._db.sqlite.SQL.migrations()))}
    assert all(len(out) == len(files) for out in outputs)


def _in_threads(count: int, work) -> None:
    """Run ``work(n)`` in ``count`` threads at once; re-raise the first exception any raised
    (an exception in a thread is otherwise only printed)."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_threads_with_their_own_stores_make_one_chain(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread("shared", thread_id="shared")
    acknowledged: list[int] = []

    def writer(n: int) -> None:
        with threadtree.open(db_path) as store:
            for k in range(150):
                acknowledged.append(store.append("shared", "user", f"t{n}-{k}").id)

    _in_threads(4, writer)
    with threadtree.open(db_path) as store:
        _assert_one_chain(store, "shared", acknowledged)


def test_threads_sharing_one_store_make_one_chain(store):
    store.create_thread("shared", thread_id="shared")
    acknowledged: list[int] = []

    def writer(n: int) -> None:
        for k in range(100):
            acknowledged.append(store.append("shared", "user", f"t{n}-{k}").id)
            store.path("shared", limit=5)

    _in_threads(4, writer)
    _assert_one_chain(store, "shared", acknowledged)


class TestWaitingForTheLock:
    """Another writer holds the write lock: a write waits for it, without freezing the
    other Python threads, and gives up with Busy (writing nothing) after the timeout."""

    def test_a_waiting_write_does_not_freeze_other_threads(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("t", thread_id="t")
        holder = WriteLock(db_path)
        ticks = 0
        done = threading.Event()

        def count_ticks():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                time.sleep(0.001)

        ticker = threading.Thread(target=count_ticks)
        ticker.start()
        result = {}

        def write():
            with threadtree.open(db_path) as store:
                result["entry"] = store.append("t", "user", "after the wait")

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        ticks_while_waiting = ticks
        holder.release()
        holder.close()
        writer.join(timeout=10)
        done.set()
        ticker.join()
        assert result["entry"].content == "after the wait"
        # Free to run, the ticker ticks ~500 times in 0.5 s; a held GIL would allow a handful.
        assert ticks_while_waiting > 100

    def test_a_write_gives_up_with_busy_after_the_timeout(self, db_path):
        with threadtree.open(db_path, timeout=0.2) as store:
            store.create_thread("t", thread_id="t")
            holder = WriteLock(db_path)
            started = time.monotonic()
            with pytest.raises(Busy, match="stayed locked .* 0.2 s; nothing was written"):
                store.append("t", "user", "never")
            assert 0.2 <= time.monotonic() - started < 2
            with pytest.raises(TimeoutError):
                store.append("t", "user", "never either")
            holder.release()
            holder.close()
            assert store.path("t") == []
            assert store.append("t", "user", "now").content == "now"
