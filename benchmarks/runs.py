"""Workflow runs: what recording them costs, and what they cost delete_branch.

    python benchmarks/runs.py            # about a minute
    python benchmarks/runs.py --quick    # a smoke run

delete_branch pays for the trigger that marks the run records of a deleted branch
(``entries_mark_run_records``, migration 0009): in a thread without runs one probe of
workflow_runs per deleted entry, in a thread with runs four more. Measured against the same
file with that trigger dropped (the cost before runs existed), each round on a fresh copy of
one prepared file, alternating. The calls of a run are measured against an append in the same
file (one write transaction each, like them). Times are medians; ratios are medians of
per-round ratios, at synchronous=FULL, on whatever machine this runs on (say if it was loaded).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import apsw

import threadtree


def build(path: str, branch: int) -> dict:
    """Two threads holding a branch of ``branch`` entries each (under a question): 'plain'
    has no run, 'explored' has a run whose records pin every tenth entry of the branch."""
    ids = {}
    with threadtree.open(path, synchronous="NORMAL") as store:
        for tid in ("plain", "explored"):
            store.create_thread(thread_id=tid)
            question = store.append(tid, "user", "question")
            chain = store.extend(tid, [{"role": "assistant", "content": f"step {k}"} for k in range(branch)])
            ids[tid] = chain[0].id
            if tid == "explored":
                run = store.start_run(tid, "bench", "pins")
                store.start_branch(run.run_id, chain[0].id)
                for k, entry in enumerate(chain[::10]):
                    store.record_leaf_run(run.run_id, "step", input_hash=str(k), entry_id=entry.id, output=k)
                other = store.fork(question.id, "assistant", "other")
                store.decide(run.run_id, question.id, [{"entry_id": chain[0].id, "score": 1}, {"entry_id": other.id, "score": 0}], select=[])
    return ids


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def delete_rounds(folder: str, prepared: str, ids: dict, rounds: int) -> dict[str, list[float]]:
    # Both files go through the same steps (a raw connection drops the trigger; one puts it
    # back), so that they differ in the trigger only.
    without, with_ = os.path.join(folder, "without-trigger.db"), os.path.join(folder, "with-trigger.db")
    for path in (without, with_):
        shutil.copy(prepared, path)
        conn = apsw.Connection(path)
        (trigger,) = conn.execute("select sql from sqlite_schema where name = 'entries_mark_run_records'").get,
        conn.execute("drop trigger entries_mark_run_records")
        if path == with_:
            conn.execute(trigger)
        conn.close()
    times: dict[str, list[float]] = {"before runs (no trigger)": [], "no runs in the thread": [], "a thread with runs": []}
    sides = [
        ("before runs (no trigger)", without, "plain"),
        ("no runs in the thread", with_, "plain"),
        ("a thread with runs", with_, "explored"),
    ]
    for number in range(rounds):
        for label, source, tid in sides[number % 3 :] + sides[: number % 3]:  # each goes first in turn
            copy = os.path.join(folder, "copy.db")
            shutil.copy(source, copy)
            with threadtree.open(copy) as store:
                times[label].append(timed(lambda: store.delete_branch(ids[tid])))
            os.remove(copy)
    return times


def call_rounds(path: str, rounds: int, per_round: int) -> dict[str, list[float]]:
    """Per-call seconds of append (the baseline) and of the run calls, each a transaction."""
    times: dict[str, list[float]] = {k: [] for k in ("append", "start_run", "record_leaf_run", "decide (3 candidates)", "get_run (30 leaf runs)")}
    with threadtree.open(path) as store:
        tid = store.create_thread().id
        for r in range(rounds):
            question = store.append(tid, "user", "q")
            answers = [store.fork(question.id, "assistant", str(k)) for k in range(3)]
            times["append"].append(timed(lambda: [store.append(tid, "user", "x") for _ in range(per_round)]) / per_round)
            runs = []
            times["start_run"].append(timed(lambda: runs.extend(store.start_run(tid, "w", "g") for _ in range(per_round))) / per_round)
            run = runs[0].run_id
            times["record_leaf_run"].append(
                timed(lambda: [store.record_leaf_run(run, "t", input_hash=f"{r}-{k}", entry_id=answers[0].id, output=k) for k in range(per_round)]) / per_round
            )
            candidates = [{"entry_id": a.id, "score": k, "passed": True, "rationale": "x"} for k, a in enumerate(answers)]
            times["decide (3 candidates)"].append(
                timed(lambda: [store.decide(x.run_id, question.id, candidates, select=answers[0].id) for x in runs]) / per_round
            )
            times["get_run (30 leaf runs)"].append(timed(lambda: [store.get_run(run) for _ in range(per_round)]) / per_round)
    return times


def report(title: str, times: dict[str, list[float]], unit: float, unit_name: str) -> None:
    base_name = next(iter(times))
    base = times[base_name]
    print(f"\n{title}")
    print(f"{'measure':<28} {'median':>10}  ratio to {base_name}")
    for name, values in times.items():
        ratio = statistics.median(v / b for v, b in zip(values, base))
        print(f"{name:<28} {statistics.median(values) * unit:>7.2f} {unit_name}  {ratio:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few rounds")
    args = parser.parse_args(argv)
    branch, rounds, per_round = (500, 3, 5) if args.quick else (10_000, 9, 30)
    print(f"threadtree {threadtree.__version__}, SQLite {apsw.sqlite_lib_version()}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="threadtree-bench-") as folder:
        prepared = os.path.join(folder, "prepared.db")
        ids = build(prepared, branch)
        report(f"delete_branch of {branch:,} entries (fresh copy each round, {rounds} rounds)",
               delete_rounds(folder, prepared, ids, rounds), 1000, "ms")
        report(f"one call, synchronous=FULL ({rounds} rounds of {per_round})",
               call_rounds(os.path.join(folder, "calls.db"), rounds, per_round), 1000, "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
