"""Core store benchmark: threadtree against raw APSW running the same SQL by hand.

    python benchmarks/core.py                  # both synchronous settings (about 1-2 min)
    python benchmarks/core.py --synchronous NORMAL --quick

Both sides use the same schema (created by threadtree), the same query files from sql/ and the
same connection settings, in the same process. Rounds alternate between the two sides, so the
noise of a shared machine falls on both; figures are medians. The raw side does what a careful
hand-written version must do: BEGIN IMMEDIATE, read the leaf, insert, move the leaf, COMMIT;
orjson.dumps of items on the way in and orjson.loads on the way out (for path the table also
gives the ratio against bare rows with undecoded items).

Targets (issue 2): append within 1.5x raw; path and extend within 2x raw (records and decoded
items included); fork time independent of depth (depth 10,000 / depth 10 below 1.3); leaves of a
100,000-entry tree with 1,000 leaves under 50 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import apsw
import orjson

import threadtree
from threadtree.store import database_of
from threadtree._db.sqlite import SQL as _sql

CONTENT = "The quick brown fox jumps over the lazy dog. " * 4  # ~180 characters, a short message


def item_for(k: int):
    """Half the entries carry an item: a provider message, as agents store them."""
    if k % 2:
        return None
    return {"role": "assistant", "content": CONTENT, "tool_calls": [{"id": f"call_{k}", "type": "function"}]}


def messages(n: int) -> list[dict]:
    return [{"role": "user" if k % 2 else "assistant", "content": CONTENT, "item": item_for(k)} for k in range(n)]


class Raw:
    """The same work by hand: the package's SQL files, apsw and orjson, nothing else."""

    def __init__(self, path: str, synchronous: str) -> None:
        threadtree.open(path, synchronous=synchronous).close()  # the same schema, migrated
        self.conn = apsw.Connection(path)
        self.conn.set_busy_timeout(5000)
        self.conn.pragma("journal_mode", "wal")
        self.conn.pragma("foreign_keys", True)
        self.conn.pragma("synchronous", synchronous)
        self.leaf_sql = _sql.query("thread_leaf")
        self.insert_sql = _sql.query("insert_entry")
        self.move_sql = _sql.query("move_leaf")
        self.record_sql = _sql.query("record_leaf_move")
        self.last_move_sql = _sql.query("last_leaf_move")
        self.place_sql = _sql.query("entry_place")
        self.path_sql = _sql.query("path_to")
        self.leaves_sql = _sql.query("leaves")

    def create_thread(self, tid: str) -> None:
        self.conn.execute(
            _sql.query("insert_thread"), {"thread_id": tid, "title": None, "metadata": "{}", "now": time.time()}
        ).fetchall()

    def _insert_chain(self, tid, parent, depth, msgs):
        now = time.time()
        old = parent
        for m in msgs:
            item = m.get("item")
            parent = self.conn.execute(
                self.insert_sql,
                {"id": None, "thread_id": tid, "parent_id": parent, "role": m["role"], "content": m["content"],
                 "item": None if item is None else orjson.dumps(item).decode(), "now": now, "depth": depth,
                 "source_id": None, "hidden": False, "content_path": None, "usage": None, "merged_from": None},
            ).get
            depth += 1
        self.conn.execute(self.move_sql, {"thread_id": tid, "leaf_id": parent, "now": now})
        seq = self.conn.execute(self.last_move_sql, {"thread_id": tid}).get + 1
        self.conn.execute(self.record_sql, {
            "thread_id": tid, "seq": seq, "from_id": old, "to_id": parent, "reason": "append", "now": now,
        })
        return parent

    def append(self, tid: str, msg: dict) -> int:
        return self.extend(tid, [msg])

    def extend(self, tid: str, msgs: list[dict]) -> int:
        self.conn.execute("BEGIN IMMEDIATE")
        leaf, depth = self.conn.execute(self.leaf_sql, {"thread_id": tid}).get
        new = self._insert_chain(tid, leaf, 0 if leaf is None else depth + 1, msgs)
        self.conn.execute("COMMIT")
        return new

    def fork(self, entry_id: int, msg: dict) -> int:
        self.conn.execute("BEGIN IMMEDIATE")
        tid, _, depth = self.conn.execute(self.place_sql, {"entry_id": entry_id}).get
        leaf, _ = self.conn.execute(self.leaf_sql, {"thread_id": tid}).get  # as fork() reads it
        new = self._insert_chain(tid, entry_id, depth + 1, [msg])
        self.conn.execute("COMMIT")
        return new

    def path_rows(self, tid: str) -> list[tuple]:
        self.conn.execute("BEGIN")
        leaf, _ = self.conn.execute(self.leaf_sql, {"thread_id": tid}).get
        rows = self.conn.execute(self.path_sql, {"entry_id": leaf, "limit": 2**63 - 1}).fetchall()
        self.conn.execute("COMMIT")
        rows.reverse()  # the query walks leaf first
        return rows

    def path(self, tid: str) -> list[tuple]:
        loads = orjson.loads
        return [(*r[:5], None if r[5] is None else loads(r[5]), r[6], r[7]) for r in self.path_rows(tid)]

    def leaves(self, tid: str) -> list[tuple]:
        loads = orjson.loads
        rows = self.conn.execute(self.leaves_sql, {"thread_id": tid}).fetchall()
        return [(*r[:5], None if r[5] is None else loads(r[5]), r[6], r[7]) for r in rows]


CLOCK = time.perf_counter  # bare.py --clock cpu sets time.process_time: this process's CPU time


def timed(fn) -> float:
    start = CLOCK()
    fn()
    return CLOCK() - start


class Timings:
    """Seconds per round of several functions measured side by side."""

    def __init__(self, times: list[list[float]]) -> None:
        self.times = times

    def median(self, i: int) -> float:
        return statistics.median(self.times[i])

    def ratio(self, i: int, j: int) -> float:
        """The median of the per-round ratios: each round's pair ran back to back, so a slow
        spell of the machine weighs on both sides of it."""
        return statistics.median(a / b for a, b in zip(self.times[i], self.times[j]))


def alternate(rounds: int, *fns) -> Timings:
    """Run every function once per round, in a rotating order."""
    times: list[list[float]] = [[] for _ in fns]
    for k in range(rounds):
        for j in range(len(fns)):
            i = (j + k) % len(fns)
            times[i].append(timed(fns[i]))
    return Timings(times)


def build_wide_tree(store: threadtree.Store, tid: str, total: int, leaves: int, rng: random.Random) -> None:
    """``total`` entries in ``leaves`` branches, each forked from a random earlier entry that
    is not a branch tip (so every branch adds exactly one leaf)."""
    per_branch = total // leaves
    interior = [e.id for e in store.extend(tid, messages(per_branch))][:-1]
    for _ in range(leaves - 1):
        branch = [e.id for e in store.extend(tid, messages(per_branch), parent_id=rng.choice(interior))]
        interior.extend(branch[:-1])


def run(synchronous: str, quick: bool, workdir: Path) -> list[tuple[str, str, str, str, str]]:
    scale = 10 if quick else 1
    rows = []
    tt_path = str(workdir / f"threadtree-{synchronous}.db")
    raw_path = str(workdir / f"raw-{synchronous}.db")
    store = threadtree.open(tt_path, synchronous=synchronous)
    raw = Raw(raw_path, synchronous)

    # -- appends, one transaction each --
    n_append = 2000 // scale
    store.create_thread(thread_id="append")
    raw.create_thread("append")
    msgs = messages(n_append)
    chunk = n_append // 10
    gc.collect()
    t = alternate(
        10,
        lambda: [store.append("append", m["role"], m["content"], item=m["item"]) for m in msgs[:chunk]],
        lambda: [raw.append("append", m) for m in msgs[:chunk]],
    )
    rows.append(("append (1 transaction each)", f"{chunk / t.median(0):,.0f}/s", f"{chunk / t.median(1):,.0f}/s",
                 f"{t.ratio(0, 1):.2f}x", "<= 1.5x"))

    # -- bulk extend --
    n_extend = 100_000 // scale
    bulk = messages(n_extend)
    counter = iter(range(1000))

    def tt_extend(msgs=bulk):
        tid = f"bulk-{next(counter)}"
        store.create_thread(thread_id=tid)
        store.extend(tid, msgs)

    def raw_extend(msgs=bulk):
        tid = f"bulk-{next(counter)}"
        raw.create_thread(tid)
        raw.extend(tid, msgs)

    gc.collect()
    t = alternate(5, tt_extend, raw_extend)
    one_message = bulk[0]
    del bulk  # a section starts from a clean heap: the collector's work grows with what is alive
    rows.append((f"extend {n_extend:,} entries", f"{t.median(0) * 1000:,.0f} ms", f"{t.median(1) * 1000:,.0f} ms",
                 f"{t.ratio(0, 1):.2f}x", "<= 2x"))

    # -- fork at depth 10 vs depth 10,000 --
    deep = 10_000 // scale
    store.create_thread(thread_id="deep")
    chain = store.extend("deep", messages(deep))
    shallow_entry, deep_entry = chain[10], chain[-1]
    del chain
    raw.create_thread("deep")
    raw_leaf = raw.extend("deep", messages(deep))
    raw_shallow = raw_leaf - deep + 11  # ids of one chain are consecutive in a fresh transaction
    forks = 200 // (2 if quick else 1)
    m = one_message
    gc.collect()
    t = alternate(
        forks,
        lambda: store.fork(shallow_entry.id, "user", m["content"], item=m["item"]),
        lambda: store.fork(deep_entry.id, "user", m["content"], item=m["item"]),
        lambda: raw.fork(raw_shallow, m),
        lambda: raw.fork(raw_leaf, m),
    )
    rows.append(("fork at depth 10", f"{t.median(0) * 1e6:,.0f} us", f"{t.median(2) * 1e6:,.0f} us",
                 f"{t.ratio(0, 2):.2f}x", ""))
    rows.append((f"fork at depth {deep:,}", f"{t.median(1) * 1e6:,.0f} us", f"{t.median(3) * 1e6:,.0f} us",
                 f"{t.ratio(1, 3):.2f}x", ""))
    rows.append((f"fork depth {deep:,} / depth 10", f"{t.ratio(1, 0):.2f}", f"{t.ratio(3, 2):.2f}", "", "< 1.3"))

    # -- path at depth 10,000 --
    store.rewind("deep", deep_entry.id)
    raw.conn.execute(raw.move_sql, {"thread_id": "deep", "leaf_id": raw_leaf, "now": time.time()})
    assert len(store.path("deep")) == len(raw.path("deep")) == deep
    gc.collect()
    t = alternate(21, lambda: store.path("deep"), lambda: raw.path("deep"), lambda: raw.path_rows("deep"))
    rows.append((f"path at depth {deep:,}", f"{t.median(0) * 1000:,.1f} ms", f"{t.median(1) * 1000:,.1f} ms",
                 f"{t.ratio(0, 1):.2f}x", "<= 2x"))
    rows.append(("  vs bare rows, items undecoded", "", f"{t.median(2) * 1000:,.1f} ms", f"{t.ratio(0, 2):.2f}x", ""))

    # -- leaves of a wide tree --
    total, tips = 100_000 // scale, 1000 // scale
    store.create_thread(thread_id="wide")
    build_wide_tree(store, "wide", total, tips, random.Random(7))
    with threadtree.open(raw_path, synchronous=synchronous) as builder:  # the same tree, untimed
        builder.create_thread(thread_id="wide")
        build_wide_tree(builder, "wide", total, tips, random.Random(7))
    assert len(store.leaves("wide")) == len(raw.leaves("wide")) == tips
    gc.collect()
    t = alternate(15, lambda: store.leaves("wide"), lambda: raw.leaves("wide"))
    rows.append((f"leaves: {total:,} entries, {tips:,} leaves", f"{t.median(0) * 1000:,.1f} ms",
                 f"{t.median(1) * 1000:,.1f} ms", f"{t.ratio(0, 1):.2f}x", "< 50 ms"))

    # -- bytes on disk per entry --
    store.close()
    raw.conn.close()
    with threadtree.open(tt_path) as s:
        conn = database_of(s).engine().connection
        count = conn.execute("select count(*) from entries").get
        payload = conn.execute("select sum(length(content) + coalesce(length(item), 0)) from entries").get
        conn.pragma("wal_checkpoint", "TRUNCATE")
    size = os.path.getsize(tt_path)
    rows.append(("bytes on disk per entry", f"{size / count:,.0f} B", "", "",
                 f"payload {payload / count:,.0f} B"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes: a smoke run")
    args = parser.parse_args(argv)
    modes = ["FULL", "NORMAL"] if args.synchronous == "both" else [args.synchronous]
    print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    started = time.perf_counter()
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix="threadtree-bench-") as tmp:
            results = run(mode, args.quick, Path(tmp))
        print(f"\nsynchronous={mode}")
        header = ("measure", "threadtree", "raw APSW", "ratio", "target")
        widths = [max(len(str(r[i])) for r in [header, *results]) for i in range(5)]
        for row in [header, tuple("-" * w for w in widths), *results]:
            print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\n(total {time.perf_counter() - started:.0f} s. Times are medians; a ratio is the median of "
          "per-round ratios, each round running both sides back to back)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
