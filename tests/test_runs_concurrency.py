"""Workflow runs under several writer processes at once (issue 21).

Candidates are run in parallel: each worker process forks its candidate from the question,
records its branch run and one leaf run a step (appending under its own branch, which moves
the thread's live leaf every time), while a judge process waits for the candidates, reads the
leaf and decides with it as the expectation, retrying when a candidate moved the leaf in
between. What must hold: nothing acknowledged is lost, the decision is recorded once, the
leaf is on the winner's branch after it (one ``decide`` move, or none when the winner's own
worker had just put it there), and the file is healthy.

This file is also the worker: ``python test_runs_concurrency.py COMMAND ...`` prints
``ready``, waits for a line on stdin (so that all workers start together), then does its work
and prints one line per acknowledged result, after the call returned:

    candidate DB THREAD RUN QUESTION NAME STEPS
        fork NAME-0 from QUESTION, start its branch run ("branch ID"), then STEPS times append
        NAME-k under the branch and record its leaf run ("leaf LEAF_ID ENTRY"), then finish
        the branch ("done")
    judge DB THREAD RUN QUESTION WANT
        once WANT branch runs exist, decide among them, the first started winning, with the
        leaf just read as expected_leaf_id, retrying on Conflict ("decided WINNER LEAF RETRIES",
        LEAF the expectation that held)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import threadtree

THIS = Path(__file__).resolve()


def _run_together(args_per_worker: list[list[str]], timeout: float = 240) -> list[list[str]]:
    from .helpers import run_together  # here: this file also runs as a script, the worker

    return [out.splitlines() for out in run_together(THIS, args_per_worker, timeout)]


@pytest.mark.slow
def test_parallel_candidates_and_a_judge_lose_nothing(db_path):
    with threadtree.open(db_path) as store:
        thread = store.create_thread("best of four", thread_id="t")
        question = store.append(thread.id, "user", "Where should I go in May?")
        run = store.start_run(thread.id, "best-of-4", "answer").run_id
    names, steps = ["w0", "w1", "w2", "w3"], 25
    outputs = _run_together(
        [["candidate", str(db_path), "t", run, str(question.id), name, str(steps)] for name in names]
        + [["judge", str(db_path), "t", run, str(question.id), str(len(names))]]
    )
    candidates, (judge,) = outputs[:-1], outputs[-1:]
    branch_of = {}
    acknowledged = set()
    for name, out in zip(names, candidates):
        assert out[0].startswith("branch ") and out[-1] == "done", out
        branch_of[name] = int(out[0].split()[1])
        leaves = [line.split() for line in out[1:-1]]
        assert len(leaves) == steps
        acknowledged |= {(leaf, int(entry)) for _, leaf, entry in leaves}
    (decided,) = judge
    _, winner, seen, retries = decided.split()
    with threadtree.open(db_path) as store:
        trace = store.get_run(run)
        assert {(r.leaf_id, r.entry_id) for r in trace.leaf_runs} == acknowledged, "a leaf run was lost"
        assert len(trace.leaf_runs) == len(names) * steps
        assert sorted(b.entry_id for b in trace.branches) == sorted(branch_of.values())
        assert {b.status for b in trace.branches} == {"completed"}
        (decision,) = trace.decisions
        assert decision.entry_id == question.id
        assert sorted(c.entry_id for c in decision.candidates) == sorted(branch_of.values())
        assert decision.winner.entry_id == int(winner) == trace.branches[0].entry_id
        # The decision moved the leaf into the winner's branch, or found it there already (the
        # winner's own worker had just appended): then no move is recorded.
        moves = [m for m in store.leaf_history("t", limit=None) if m.reason == "decide"]
        assert len(moves) <= 1
        landed = moves[0].to_entry_id if moves else int(seen)
        assert int(winner) in [e.id for e in store.path_to(landed)], "the leaf is not on the winner's branch"
        for name, out in zip(names, candidates):  # each candidate's entries form its own chain
            chain = [e.content for e in store.path_to(int(out[-2].split()[2]))]
            assert chain == ["Where should I go in May?", *(f"{name}-{k}" for k in range(steps + 1))]
        assert store.check() == []
        after = sum(r.created_at > decision.decided_at for r in trace.leaf_runs)
    print(f"judge retried {retries} time(s); {after} leaf runs were recorded after the decision")


def _worker(argv: list[str]) -> int:
    command, db, thread_id, run, question, *rest = argv
    print("ready", flush=True)
    sys.stdin.readline()
    with threadtree.open(db, timeout=60) as store:
        if command == "candidate":
            name, steps = rest[0], int(rest[1])
            entry = store.fork(int(question), "assistant", f"{name}-0")
            start = entry.id
            store.start_branch(run, start)
            print(f"branch {entry.id}", flush=True)
            for k in range(1, steps + 1):
                entry = store.append(thread_id, "assistant", f"{name}-{k}", parent_id=entry.id)
                leaf = store.record_leaf_run(run, f"{name}-step-{k}", input_hash=f"{name}-{k}", entry_id=entry.id, output=k)
                print(f"leaf {leaf.leaf_id} {leaf.entry_id}", flush=True)
            store.finish_branch(run, start, "completed")
            print("done", flush=True)
        elif command == "judge":
            want = int(rest[0])
            while len(store.get_run(run).branches) < want:
                time.sleep(0.005)
            branches = [b.entry_id for b in store.get_run(run).branches]
            candidates = [{"entry_id": e, "score": 1 / (n + 1), "passed": True} for n, e in enumerate(branches)]
            retries = 0
            while True:
                seen = store.get_thread(thread_id).current_leaf_id
                try:
                    store.decide(run, int(question), candidates, select=branches[0], expected_leaf_id=seen)
                except threadtree.Conflict:
                    retries += 1
                    continue
                break
            print(f"decided {branches[0]} {seen} {retries}", flush=True)
        else:
            raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1:]))
