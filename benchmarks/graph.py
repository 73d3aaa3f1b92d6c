"""Seeing and checking big trees: graph, render_tree and diagrams of a 100,000-entry thread,
and check() over files of 250,000 to 1,000,000 entries.

    python benchmarks/graph.py            # about 3 minutes (building the files dominates)
    python benchmarks/graph.py --quick    # a tenth of the sizes

Targets (issue 3): graph and render_tree of a 100,000-entry thread finish in seconds; check
is linear in the number of entries (its time per entry stays flat as the file grows). Times
are medians of 3 runs on a shared machine; building the data is not timed.
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

import threadtree
from threadtree.store import database_of

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import build_wide_tree, messages  # noqa: E402  (the same data as the core benchmark)


def median_seconds(fn, rounds: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def build_file(path: str, entries: int, per_thread: int = 1000, branches: int = 10) -> None:
    """``entries`` entries in threads of ``per_thread``, each with ``branches`` branch tips."""
    with threadtree.open(path, synchronous="NORMAL") as store:
        for k in range(entries // per_thread):
            tid = store.create_thread(f"thread {k}", thread_id=f"t{k:07d}").id
            build_wide_tree(store, tid, per_thread, branches, random.Random(k))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="threadtree-bench-") as tmp:
        big = 100_000 // scale
        with threadtree.open(os.path.join(tmp, "big.db"), synchronous="NORMAL") as store:
            store.create_thread(thread_id="wide")
            build_wide_tree(store, "wide", big, 1000 // scale, random.Random(7))
            store.create_thread(thread_id="chain")
            store.extend("chain", messages(big))
            for tid, shape in (("wide", f"{1000 // scale:,} branches"), ("chain", "one chain")):
                seconds, graph = median_seconds(lambda tid=tid: store.graph(tid))
                rows.append((f"graph: {len(graph):,} entries, {shape}", f"{seconds:.2f} s", ""))
                seconds, text = median_seconds(lambda tid=tid: store.render_tree(tid))
                rows.append((f"render_tree: {shape}", f"{seconds:.2f} s", f"{text.count(chr(10)):,} lines"))
                fitted, text = median_seconds(lambda tid=tid: store.render_tree(
                    tid, width=80, spacers=False, include_hidden=False))  # what the CLI's tree draws
                rows.append((f"render_tree(width=80, spacers=False, include_hidden=False): {shape}",
                             f"{fitted:.2f} s", f"{text.count(chr(10)):,} lines; {fitted / seconds:.2f}x the default"))
                seconds, text = median_seconds(lambda tid=tid: store.render_tree(tid, collapse=3))
                rows.append((f"render_tree(collapse=3): {shape}", f"{seconds:.2f} s", f"{text.count(chr(10)):,} lines"))
            seconds, text = median_seconds(lambda: store.to_dot("wide"))
            rows.append(("to_dot: wide", f"{seconds:.2f} s", f"{len(text) / 1e6:.1f} MB"))
            seconds, text = median_seconds(lambda: store.to_mermaid("wide"))
            rows.append(("to_mermaid: wide", f"{seconds:.2f} s", f"{len(text) / 1e6:.1f} MB"))
            seconds, problems = median_seconds(lambda: store.check("wide"))
            assert problems == []
            rows.append(("check(thread): wide", f"{seconds:.2f} s", ""))

        per_entry, own_per_entry = [], []
        for size in (250_000 // scale, 500_000 // scale, 1_000_000 // scale):
            path = os.path.join(tmp, f"check-{size}.db")
            build_file(path, size)
            with threadtree.open(path) as store:
                seconds, problems = median_seconds(store.check)
                conn = database_of(store).engine().connection
                sqlite, _ = median_seconds(
                    lambda: (conn.execute("pragma integrity_check(100)").fetchall(),
                             conn.execute("pragma foreign_key_check").fetchall())
                )
            assert problems == [], problems[:3]
            per_entry.append(seconds / size * 1e6)
            own_per_entry.append((seconds - sqlite) / size * 1e6)
            rows.append((f"check(): file of {size:,} entries", f"{seconds:.2f} s",
                         f"{per_entry[-1]:.1f} us/entry; SQLite's pragmas {sqlite:.2f} s, "
                         f"the tree checks {own_per_entry[-1]:.1f} us/entry"))
            os.remove(path)
        rows.append(("check: time per entry, largest / smallest", f"{per_entry[-1] / per_entry[0]:.2f}",
                     f"tree checks alone {own_per_entry[-1] / own_per_entry[0]:.2f}; linear: ~1"))

    print(f"threadtree {threadtree.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
