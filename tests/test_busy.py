"""How a writer waits for the write lock: the pace of its polls (issue 14).

Throughput and latency under load are measured by ``benchmarks/load.py --scaling 4,8``, not
here; these tests check the shape that the measurements rest on, with a real lock held by a
real second connection. They assert only lower bounds on the time between polls, which a
slow or busy machine can only make longer.
"""

from __future__ import annotations

import threading
import time

import apsw

import threadtree
from threadtree._db.sqlite.connect import _busy_handler


def _wait_for_the_lock(db_path, hold: float) -> list[float]:
    """Hold the write lock for ``hold`` seconds on one connection while another asks for it;
    return the times of the waiter's polls, relative to its first failed attempt."""
    with threadtree.open(db_path):
        pass  # a threadtree file, in WAL mode
    holder = apsw.Connection(str(db_path))
    waiter = apsw.Connection(str(db_path))
    polls: list[float] = []
    inner = _busy_handler(5.0)

    def spy(prior_calls: int) -> bool:
        polls.append(time.monotonic())
        return inner(prior_calls)

    waiter.set_busy_handler(spy)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(hold, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        waiter.execute("BEGIN IMMEDIATE")  # waits, GIL released, polling through spy
        waiter.execute("COMMIT")
    finally:
        release.join()
        holder.close()
        waiter.close()
    return [t - polls[0] for t in polls]


def test_a_young_wait_polls_at_most_once_a_millisecond(db_path):
    """At 8 writers most waits last a few milliseconds: waiters that polled every 0.1-0.4 ms
    from 5 ms on took the CPU from the writer holding the lock, and 8 writers made 0.6-0.7 of
    4 writers' appends a second."""
    polls = _wait_for_the_lock(db_path, 0.040)
    young = [t for t in polls if t < 0.008]
    gaps = [b - a for a, b in zip(young, young[1:])]
    assert len(young) <= 9, young
    assert all(gap >= 0.00095 for gap in gaps), gaps


def test_a_long_wait_keeps_polling_until_the_lock_comes_free(db_path):
    """Aging: the waiter is still polling after 25 ms (faster, so it tends to win the next
    round) and gets the lock once it is released."""
    polls = _wait_for_the_lock(db_path, 0.100)
    assert polls[-1] >= 0.025
    assert sum(1 for t in polls if t >= 0.025) >= 2
