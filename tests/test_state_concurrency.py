"""Agent state under several writer processes at once (issue 8).

What must hold: event seqs handed out to racing processes are gapless and never repeated
(compaction running alongside included); of racing tool-call moves exactly one wins and every
other gets InvalidInput; racing checkpoint saves leave one row per id.

This file is also the worker: ``python test_state_concurrency.py COMMAND ...`` prints
``ready``, waits for a line on stdin (so that all workers start together), then does its work
and prints one line per acknowledged result, after the call returned:

    events DB THREAD COUNT NAME     append COUNT events of type NAME, data k; print each seq
    compact DB THREAD ROUNDS        delete all but the newest few events ROUNDS times; print
                                    "deleted N" each time
    decide DB STATUS COUNT          move tool calls call-0..call-{COUNT-1} to STATUS; print
                                    "won k" or "lost k" (InvalidInput) for each
    save DB THREAD COUNT NAME       save checkpoint "shared" and "NAME-k", COUNT times each
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import threadtree
from threadtree import InvalidInput

THIS = Path(__file__).resolve()


def _run_together(args_per_worker: list[list[str]], timeout: float = 180) -> list[list[str]]:
    """Start every worker, release them at once, return each one's output lines."""
    from .helpers import run_together  # here: this file also runs as a script, the worker

    return [out.splitlines() for out in run_together(THIS, args_per_worker, timeout)]


@pytest.mark.slow
def test_four_processes_appending_events_get_a_gapless_sequence_without_duplicates(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="log")
    writers, each = 4, 250
    outputs = _run_together([["events", str(db_path), "log", str(each), f"w{n}"] for n in range(writers)])
    seqs = [[int(line) for line in out] for out in outputs]
    everything = [s for mine in seqs for s in mine]
    assert len(everything) == writers * each
    assert sorted(everything) == list(range(1, writers * each + 1)), "a gap or a duplicate"
    for mine in seqs:
        assert mine == sorted(mine) and len(set(mine)) == len(mine), "a writer's own seqs went backwards"
    with threadtree.open(db_path) as store:
        events = store.events("log")
        assert [e.seq for e in events] == list(range(1, writers * each + 1))
        # Each seq holds what the writer that was told that seq wrote.
        by_seq = {e.seq: (e.type, e.data) for e in events}
        for n, mine in enumerate(seqs):
            assert [by_seq[s] for s in mine] == [(f"w{n}", k) for k in range(each)]
        assert store.append_event("log", "after") == writers * each + 1
        assert store.check() == []


@pytest.mark.slow
def test_compaction_racing_appenders_never_reuses_a_seq(db_path):
    """3 processes append while a 4th deletes all but the newest few events over and over:
    the seqs handed out are still exactly 1..N, and what is left is a suffix of them."""
    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="log")
    each = 200
    outputs = _run_together(
        [["events", str(db_path), "log", str(each), f"w{n}"] for n in range(3)]
        + [["compact", str(db_path), "log", "60"]]
    )
    handed_out = sorted(int(line) for out in outputs[:3] for line in out)
    assert handed_out == list(range(1, 3 * each + 1))
    deleted = sum(int(line.split()[1]) for line in outputs[3])
    with threadtree.open(db_path) as store:
        left = [e.seq for e in store.events("log")]
        assert left == list(range(3 * each - len(left) + 1, 3 * each + 1)), "not a suffix"
        assert deleted + len(left) == 3 * each
        store.delete_events_before("log", 10**9)
        assert store.append_event("log", "after") == 3 * each + 1


@pytest.mark.slow
def test_racing_approvals_and_denials_exactly_one_wins(db_path):
    """Two processes approve and two deny the same 100 calls at once: each call ends in the
    status of exactly one winner; every other move was refused as illegal."""
    count = 100
    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="t")
        for k in range(count):
            store.create_tool_call("t", f"call-{k}", "tool", {"k": k})
    actions = ["approved", "denied", "approved", "denied"]
    outputs = _run_together([["decide", str(db_path), action, str(count)] for action in actions])
    with threadtree.open(db_path) as store:
        final = {c.call_id: c.status for c in store.tool_calls("t")}
    for k in range(count):
        winners = [actions[n] for n, out in enumerate(outputs) if f"won {k}" in out]
        losers = [n for n, out in enumerate(outputs) if f"lost {k}" in out]
        assert len(winners) == 1 and len(losers) == 3, (k, winners, losers)
        assert final[f"call-{k}"] == winners[0]


@pytest.mark.slow
def test_racing_checkpoint_saves_keep_one_row_per_id(db_path):
    with threadtree.open(db_path) as store:
        store.create_thread(thread_id="t")
    each = 60
    _run_together([["save", str(db_path), "t", str(each), f"w{n}"] for n in range(4)])
    with threadtree.open(db_path) as store:
        listed = store.list_checkpoints("t", limit=None)
        ids = [c.checkpoint_id for c in listed]
        assert len(ids) == len(set(ids)) == 4 * each + 1
        shared = store.load_checkpoint("t", "shared")
        assert shared.state["by"] in {"w0", "w1", "w2", "w3"}
        assert store.load_checkpoint("t").checkpoint_id == ids[0]
    from .helpers import connect

    conn = connect(db_path)
    try:
        order = [seq for (seq,) in conn.execute("select save_seq from checkpoints order by save_seq")]
    finally:
        conn.close()
    assert len(order) == len(set(order)) == 4 * each + 1


# -- the worker --


def _worker(argv: list[str]) -> int:
    command, db, *rest = argv
    print("ready", flush=True)
    sys.stdin.readline()
    with threadtree.open(db, timeout=60) as store:
        if command == "events":
            thread_id, count, name = rest
            for k in range(int(count)):
                print(store.append_event(thread_id, name, k), flush=True)
        elif command == "compact":
            thread_id, rounds = rest
            for _ in range(int(rounds)):
                newest = store.events(thread_id)
                if newest:
                    print("deleted", store.delete_events_before(thread_id, newest[-1].seq - 3), flush=True)
                time.sleep(0.005)
        elif command == "decide":
            status, count = rest
            for k in range(int(count)):
                try:
                    store.update_tool_call(f"call-{k}", status=status)
                except InvalidInput as exc:
                    assert "cannot go from" in str(exc), exc
                    print(f"lost {k}", flush=True)
                else:
                    print(f"won {k}", flush=True)
        elif command == "save":
            thread_id, count, name = rest
            for k in range(int(count)):
                store.save_checkpoint(thread_id, "shared", {"by": name, "k": k})
                store.save_checkpoint(thread_id, f"{name}-{k}", k, parent_checkpoint_id="shared")
        else:
            raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
