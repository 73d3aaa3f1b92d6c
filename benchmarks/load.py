"""Load benchmark: many writers on one database file, a realistic mix, every write accounted for.

    python benchmarks/load.py                  # 8 processes, then 2 processes x 4 threads (about 3-4 min)
    python benchmarks/load.py --processes 4 --threads 2 --seconds 30
    python benchmarks/load.py --quick          # a smoke run of a few seconds per configuration
    python benchmarks/load.py --processes 1 --seconds 1 --lose-a-write   # negative control: exits 1

Set-up (not timed): one new file with 100 threads, each seeded with 4 entries. Then every
worker (a process, or a Python thread inside one) starts at the same moment (a barrier) and
for ``--seconds`` does, on a thread picked at random:

* 70 % ``append``;
* 10 % ``fork`` from a random entry of the thread (one the worker knows: a seed, one it wrote,
  or one it read);
* 10 % ``rewind`` to such an entry;
* 10 % reads: half ``path``, half ``leaves``.

Each call is timed alone with ``time.perf_counter()``. Any exception is an error, ``Busy``
included (the busy timeout is the default 5 s). Every acknowledged write is recorded (entry id,
thread, parent, content; for a rewind its target), and at the end the parent process checks,
on a fresh connection, that each one is present as acknowledged, that the file holds no entry
nobody was told about, that each thread's current leaf is its newest entry or a rewind target,
that ``store.check() == []`` and that ``PRAGMA integrity_check`` is ``ok``.

Configurations: 8 processes with one store each; 2 processes x 4 Python threads, each thread
with its own store; 2 x 4 sharing one store per process (the store serialises its calls with a
lock, so a shared store is one writer per process as SQLite sees it).

Target (issue 6): p99 append latency under 50 ms with 8 writers. A missed target is printed,
not an error: the exit code is 1 only for errors, lost or unexpected writes, or problems found
by ``check()`` / ``integrity_check``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import pickle
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import apsw

import threadtree

THREADS = 100
SEEDS = 4
FILLER = "The quick brown fox jumps over the lazy dog. " * 4  # ~180 characters, a short message
KINDS = ("append", "fork", "rewind", "path", "leaves")
WRITES = ("append", "fork", "rewind")
TARGET_MS = 50.0
FAIR_SHARE = 0.5  # the least served writer gets at least half the busiest one's writes
BARRIER_TIMEOUT = 120.0


def thread_ids() -> list[str]:
    return [f"load-{k:03d}" for k in range(THREADS)]


def pick_kind(r: float) -> str:
    """70 % append, 10 % fork, 10 % rewind, 5 % path, 5 % leaves."""
    if r < 0.70:
        return "append"
    if r < 0.80:
        return "fork"
    if r < 0.90:
        return "rewind"
    return "path" if r < 0.95 else "leaves"


# -- the workers --


def work(store: threadtree.Store, name: str, seed: int, seconds: float, known_seeds: dict[str, list[int]],
         barrier) -> dict:
    """One worker's run: the operation mix until ``seconds`` have passed since the barrier.

    Returns latencies (seconds) per kind, the acknowledged writes, the errors, and the
    worker's start and end on the shared monotonic clock (``perf_counter`` is system-wide
    CLOCK_MONOTONIC on Linux, so workers' times can be compared)."""
    rng = random.Random(seed)
    tids = thread_ids()
    known = {tid: list(ids) for tid, ids in known_seeds.items()}  # entry ids this worker may use
    seen = {tid: set(ids) for tid, ids in known.items()}
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    written: list[tuple[str, int, str, int | None, str]] = []  # (kind, id, thread, parent, content)
    rewinds: list[tuple[str, int]] = []  # (thread, target)
    errors: list[str] = []

    def learn(tid: str, entries) -> None:
        ids, have = known[tid], seen[tid]
        for entry in entries:
            if entry.id not in have:
                have.add(entry.id)
                ids.append(entry.id)

    clock = time.perf_counter
    barrier.wait(BARRIER_TIMEOUT)
    started = clock()
    deadline = started + seconds
    n = 0
    while clock() < deadline:
        kind = pick_kind(rng.random())
        tid = rng.choice(tids)
        n += 1
        content = f"{name}:{n} {FILLER}"
        try:
            if kind == "append":
                t0 = clock()
                entry = store.append(tid, "user", content)
                t1 = clock()
                written.append((kind, entry.id, entry.thread_id, entry.parent_id, entry.content))
                learn(tid, (entry,))
            elif kind == "fork":
                parent = rng.choice(known[tid])
                t0 = clock()
                entry = store.fork(parent, "assistant", content)
                t1 = clock()
                written.append((kind, entry.id, entry.thread_id, entry.parent_id, entry.content))
                learn(tid, (entry,))
            elif kind == "rewind":
                target = rng.choice(known[tid])
                t0 = clock()
                store.rewind(tid, target)
                t1 = clock()
                rewinds.append((tid, target))
            else:
                read = store.path if kind == "path" else store.leaves
                t0 = clock()
                entries = read(tid)
                t1 = clock()
                learn(tid, entries)
        except Exception as exc:  # noqa: BLE001 - every exception is an error to report
            errors.append(f"{name} {kind} on {tid}: {type(exc).__name__}: {exc}")
            continue
        latencies[kind].append(t1 - t0)
    return {"latencies": latencies, "written": written, "rewinds": rewinds, "errors": errors,
            "started": started, "ended": clock(), "writes": len(written) + len(rewinds)}


def _failed(name: str, exc: BaseException) -> dict:
    """The result of a worker that could not run at all: one error, nothing written."""
    return {"latencies": {kind: [] for kind in KINDS}, "written": [], "rewinds": [],
            "errors": [f"{name} did not run: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"],
            "started": None, "ended": None, "writes": 0}


def process_main(index: int, db: str, synchronous: str, threads: int, shared: bool, seconds: float,
                 known_seeds: dict[str, list[int]], barrier, out: str) -> None:
    """A worker process: ``threads`` Python threads (1: the process itself runs the mix), each
    with its own store, or all sharing one. Writes its results (a list, one per thread) to
    ``out``: pickled, so that tens of thousands of records need no queue."""
    results: list[dict | None] = [None] * threads
    try:
        shared_store = threadtree.open(db, synchronous=synchronous) if shared else None
    except BaseException:
        barrier.abort()
        raise

    def run(t: int) -> None:
        name = f"p{index}t{t}"
        try:
            store = shared_store or threadtree.open(db, synchronous=synchronous)
            try:
                results[t] = work(store, name, index * 1000 + t, seconds, known_seeds, barrier)
            finally:
                if store is not shared_store:
                    store.close()
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the run
            barrier.abort()  # nobody waits for a worker that is gone
            results[t] = _failed(name, exc)

    if threads == 1:
        run(0)
    else:
        pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    if shared_store is not None:
        shared_store.close()
    with open(out, "wb") as f:
        pickle.dump(results, f)


# -- one configuration --


def seed(db: str, synchronous: str) -> dict[str, list[int]]:
    """Create the threads with their seed entries; return the entry ids per thread."""
    known = {}
    with threadtree.open(db, synchronous=synchronous) as store:
        for tid in thread_ids():
            store.create_thread(tid, thread_id=tid)
            entries = store.extend(tid, [{"role": "user" if k % 2 == 0 else "assistant",
                                          "content": f"seed {tid}:{k} {FILLER}"} for k in range(SEEDS)])
            known[tid] = [e.id for e in entries]
    return known


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of a sorted list (``q`` in 0..100)."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def lose_a_write(db: str, results: list[dict]) -> None:
    """The negative control of ``--lose-a-write``: delete the newest acknowledged entry (a
    leaf, so nothing else goes) through the API, which leaves a healthy file: only the check
    against the acknowledged writes can notice."""
    newest = max(eid for r in results for _kind, eid, *_ in r["written"])
    with threadtree.open(db) as store:
        store.delete_branch(newest)


def verify(db: str, known_seeds: dict[str, list[int]], results: list[dict]) -> dict:
    """Check the file against every acknowledged write, on fresh connections."""
    acknowledged = {eid: (tid, None, f"seed {tid}:{k} {FILLER}") for tid, ids in known_seeds.items()
                    for k, eid in enumerate(ids)}
    parents_of_seeds = set(acknowledged)
    rewind_targets: dict[str, set[int]] = {}
    for result in results:
        for _kind, eid, tid, parent, content in result["written"]:
            acknowledged[eid] = (tid, parent, content)
        for tid, target in result["rewinds"]:
            rewind_targets.setdefault(tid, set()).add(target)
    lost, wrong, leaf_problems = [], [], []
    with threadtree.open(db) as store:
        stored = {}
        for tid in thread_ids():
            entries = store.entries(tid)
            for e in entries:
                stored[e.id] = (e.thread_id, e.parent_id, e.content)
            leaf = store.get_thread(tid).current_leaf_id
            newest = max(e.id for e in entries)
            if leaf != newest and leaf not in rewind_targets.get(tid, ()):
                leaf_problems.append(f"{tid}: current leaf {leaf} is neither its newest entry ({newest}) "
                                     "nor a rewind target")
        for eid, (tid, parent, content) in acknowledged.items():
            if eid not in stored:
                lost.append(eid)
            else:
                s_tid, s_parent, s_content = stored[eid]
                if (s_tid, s_content) != (tid, content) or (eid not in parents_of_seeds and s_parent != parent):
                    wrong.append(eid)
        unexpected = sorted(set(stored) - set(acknowledged))
        problems = [str(p) for p in store.check()]
    conn = apsw.Connection(db, flags=apsw.SQLITE_OPEN_READONLY)
    try:
        integrity = conn.pragma("integrity_check")
    finally:
        conn.close()
    return {"acknowledged": len(acknowledged) - len(parents_of_seeds), "entries": len(stored), "lost": lost,
            "wrong": wrong, "unexpected": unexpected, "leaf_problems": leaf_problems, "problems": problems,
            "integrity": integrity}


def run_config(workdir: Path, processes: int, threads: int, shared: bool, seconds: float,
               synchronous: str, sabotage: bool = False) -> dict:
    label = f"{processes} process{'es' if processes > 1 else ''}"
    if threads > 1:
        label += f" x {threads} threads, {'one store per process' if shared else 'a store per thread'}"
    db = str(workdir / f"load-{processes}x{threads}{'-shared' if shared else ''}-{synchronous}.db")
    known_seeds = seed(db, synchronous)
    ctx = multiprocessing.get_context("spawn")  # a store must not cross fork()
    barrier = ctx.Barrier(processes * threads + 1)
    outs = [str(workdir / f"result-{k}.pickle") for k in range(processes)]
    procs = [ctx.Process(target=process_main, name=f"load-{k}",
                         args=(k, db, synchronous, threads, shared, seconds, known_seeds, barrier, outs[k]))
             for k in range(processes)]
    for proc in procs:
        proc.start()
    errors: list[str] = []
    try:
        barrier.wait(BARRIER_TIMEOUT)  # every worker has its store open: go
    except threading.BrokenBarrierError:
        errors.append("the workers never all started (one failed before the barrier; see below)")
    for proc in procs:
        proc.join(seconds + BARRIER_TIMEOUT + 60)
        if proc.is_alive():
            proc.kill()
            proc.join()
    results = []
    for k, (proc, out) in enumerate(zip(procs, outs)):
        if proc.exitcode != 0 or not os.path.exists(out):
            errors.append(f"process {k} exited with code {proc.exitcode} and left no results")
            continue
        with open(out, "rb") as f:
            results.extend(r for r in pickle.load(f) if r is not None)
        os.unlink(out)
    for result in results:
        errors.extend(result["errors"])
    starts = [r["started"] for r in results if r["started"] is not None]
    ends = [r["ended"] for r in results if r["ended"] is not None]
    elapsed = max(ends) - min(starts) if starts and ends else float("nan")
    latencies = {kind: sorted(x for r in results for x in r["latencies"][kind]) for kind in KINDS}
    if sabotage:
        lose_a_write(db, results)
    return {"label": label, "writers": processes * threads, "elapsed": elapsed, "latencies": latencies,
            "errors": errors, "verify": verify(db, known_seeds, results), "size": os.path.getsize(db),
            "shares": sorted(r["writes"] for r in results)}


# -- reporting --


def report(config: dict) -> bool:
    """Print one configuration's table, checks and target line; return whether it was clean."""
    lat, elapsed = config["latencies"], config["elapsed"]
    total = sum(len(v) for v in lat.values())
    rows = []
    for kind in (*KINDS, "all"):
        values = sorted(x for v in lat.values() for x in v) if kind == "all" else lat[kind]
        rows.append((kind, f"{len(values):,}", f"{len(values) / elapsed:,.0f}", f"{percentile(values, 50) * 1e3:.2f}",
                     f"{percentile(values, 99) * 1e3:.1f}", f"{(values[-1] if values else math.nan) * 1e3:.1f}"))
    print(f"\n{config['label']} ({config['writers']} writer{'s' if config['writers'] > 1 else ''}, {elapsed:.1f} s, {total:,} operations)")
    header = ("operation", "count", "per s", "p50 ms", "p99 ms", "max ms")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))

    v = config["verify"]
    errors = config["errors"]
    print(f"errors: {len(errors)}; acknowledged writes: {v['acknowledged']:,} (+{THREADS * SEEDS} seeds), "
          f"lost: {len(v['lost'])}, altered: {len(v['wrong'])}, unacknowledged in the file: {len(v['unexpected'])}, "
          f"bad leaves: {len(v['leaf_problems'])}; check(): {len(v['problems'])} problems; "
          f"integrity_check: {v['integrity']}; file {config['size'] / 2**20:.1f} MiB")
    for line in errors[:10] + v["leaf_problems"][:5] + v["problems"][:10]:
        print(f"  ! {line}")
    if len(errors) > 10:
        print(f"  ! ... and {len(errors) - 10} more errors")
    if v["lost"] or v["wrong"] or v["unexpected"]:
        print(f"  ! lost {v['lost'][:10]}, altered {v['wrong'][:10]}, unacknowledged {v['unexpected'][:10]}")
    shares = config["shares"]
    print(f"writers: {shares[0]:,} to {shares[-1]:,} writes each; the least served got {fairness(config):.2f} "
          f"of the busiest one's share (target >= {FAIR_SHARE:.2f})")
    p99 = percentile(lat["append"], 99) * 1e3
    ratio = p99 / TARGET_MS
    verdict = "met" if ratio < 1 else "MISSED (reported, not a failure: the machine is shared and noisy)"
    print(f"target: p99 append {p99:.1f} ms / {TARGET_MS:.0f} ms = {ratio:.2f} at {config['writers']} writers: "
          f"{verdict}")
    return is_clean(config)


def is_clean(config: dict) -> bool:
    """No error, no lost, altered or unacknowledged write, no bad leaf, and a healthy file."""
    v = config["verify"]
    return not (config["errors"] or v["lost"] or v["wrong"] or v["unexpected"] or v["leaf_problems"]
                or v["problems"] or v["integrity"] != "ok")


def fairness(config: dict) -> float:
    """The least served writer's writes over the busiest one's (1.0: all equal)."""
    shares = config["shares"]
    return shares[0] / shares[-1] if shares and shares[-1] else float("nan")


def appends_per_s(config: dict) -> float:
    return len(config["latencies"]["append"]) / config["elapsed"]


def scaling(workdir: Path, rounds: int, seconds: float, synchronous: str, few: int, many: int) -> bool:
    """Rounds of ``few`` then ``many`` writer processes on fresh files, back to back, so each round
    compares the two under the same load of the machine; prints each round and the medians.

    Targets (issue 14): ``many`` writers keep at least 90 % of ``few`` writers' total append
    throughput, with p99 append latency under 50 ms, and every writer served: the least served
    gets at least half the busiest one's writes. Missed targets are printed, not errors."""
    rows, clean = [], True
    header = ("round", f"{few} appends/s", f"{many} appends/s", f"{many}/{few}", f"p99 ms at {few}",
              f"p99 ms at {many}", f"share at {few}", f"share at {many}")
    for k in range(1, rounds + 1):
        here = workdir / f"round-{k}"  # fresh files each round
        here.mkdir()
        a = run_config(here, few, 1, False, seconds, synchronous)
        b = run_config(here, many, 1, False, seconds, synchronous)
        for config in (a, b):
            if not is_clean(config):
                clean = False
                report(config)
        rows.append((appends_per_s(a), appends_per_s(b), appends_per_s(b) / appends_per_s(a),
                     percentile(a["latencies"]["append"], 99) * 1e3, percentile(b["latencies"]["append"], 99) * 1e3,
                     fairness(a), fairness(b)))
        print(f"round {k}: {few} writers {rows[-1][0]:,.0f} appends/s, {many} writers {rows[-1][1]:,.0f} appends/s "
              f"(ratio {rows[-1][2]:.2f}), p99 append {rows[-1][3]:.1f} / {rows[-1][4]:.1f} ms, "
              f"least served writer {rows[-1][5]:.2f} / {rows[-1][6]:.2f} of the busiest", flush=True)
    formats = ("{:,.0f}", "{:,.0f}", "{:.2f}", "{:.1f}", "{:.1f}", "{:.2f}", "{:.2f}")
    columns = list(zip(*rows))
    table = [header]
    table += [(str(k), *(f.format(x) for f, x in zip(formats, row))) for k, row in enumerate(rows, 1)]
    table.append(("median", *(f.format(statistics.median(c)) for f, c in zip(formats, columns))))
    table.append(("range", *(f"{f.format(min(c))}-{f.format(max(c))}" for f, c in zip(formats, columns))))
    table.append(("target", "", "", ">= 0.90", "", f"< {TARGET_MS:.0f}", "", f">= {FAIR_SHARE:.2f}"))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    print(f"\n{few} against {many} writer processes, {rounds} rounds of {seconds:g} s each")
    for row in [table[0], tuple("-" * w for w in widths), *table[1:]]:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    ratio, p99, share = (statistics.median(columns[i]) for i in (2, 4, 6))
    met = ratio >= 0.90 and p99 < TARGET_MS and share >= FAIR_SHARE
    print(f"targets (medians): {'met' if met else 'MISSED (reported, not a failure: the machine is shared and noisy)'}")
    return clean


def _pair(text: str) -> tuple[int, int]:
    few, _, many = text.partition(",")
    try:
        pair = int(few), int(many)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two counts such as 4,8, not {text!r}") from None
    if min(pair) < 1:
        raise argparse.ArgumentTypeError("the counts must be at least 1")
    return pair


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, help="worker processes (default: the standard set: "
                        "8 processes, then 2 processes x 4 threads)")
    parser.add_argument("--threads", type=int, help="Python threads per process (default 1 with --processes)")
    parser.add_argument("--store", choices=["own", "shared", "both"], default="both",
                        help="with threads: a store per thread, one per process, or both (default)")
    parser.add_argument("--seconds", type=float, help="duration of each configuration (default 60)")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL",
                        help="FULL (the default: durable) or NORMAL")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 s per configuration")
    parser.add_argument("--dir", help="where to create the database files (default: a temporary folder)")
    parser.add_argument("--lose-a-write", action="store_true",
                        help="negative control: delete one acknowledged entry before the checks (must exit 1)")
    parser.add_argument("--scaling", metavar="FEW,MANY", type=_pair,
                        help="compare FEW with MANY writer processes (e.g. 4,8) over --rounds rounds, "
                        "--seconds each (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --scaling (default 3)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (2.0 if args.quick else 20.0 if args.scaling else 60.0)
    if args.scaling:
        print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
              f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; synchronous={args.synchronous}, WAL")
        with tempfile.TemporaryDirectory(prefix="threadtree-load-", dir=args.dir) as tmp:
            clean = scaling(Path(tmp), args.rounds, seconds, args.synchronous, *args.scaling)
        print(f"summary: {'all clean' if clean else 'FAILED (see the lines marked !)'}")
        return 0 if clean else 1
    if args.processes is None and args.threads is None:
        shapes = [(8, 1), (2, 4)]
    else:
        shapes = [(args.processes or 1, args.threads or 1)]
    configs = []
    for processes, threads in shapes:
        if processes < 1 or threads < 1:
            parser.error("--processes and --threads must be at least 1")
        sharing = [False] if threads == 1 else {"own": [False], "shared": [True], "both": [False, True]}[args.store]
        configs.extend((processes, threads, shared) for shared in sharing)

    print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"synchronous={args.synchronous}, WAL; {THREADS} threads seeded with {SEEDS} entries each; mix 70 % append, "
          f"10 % fork, 10 % rewind, 5 % path, 5 % leaves; {seconds:g} s per configuration")
    started = time.perf_counter()
    clean = []
    with tempfile.TemporaryDirectory(prefix="threadtree-load-", dir=args.dir) as tmp:
        for processes, threads, shared in configs:
            config = run_config(Path(tmp), processes, threads, shared, seconds, args.synchronous,
                                args.lose_a_write)
            clean.append(report(config))
    failed = clean.count(False)
    verdict = ("all clean: no errors, no lost, altered or unacknowledged writes, check() and integrity_check "
               "clean" if not failed else f"{failed} FAILED (see the lines marked !)")
    print(f"\nsummary: {len(configs)} configuration(s), {verdict}; synchronous={args.synchronous}; "
          f"total {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
