"""How long threadtree.draw takes, and how big the picture is, for the shapes that used to hurt.

    python benchmarks/draw.py            # about 2 minutes (building the threads dominates)
    python benchmarks/draw.py --quick    # a tenth of the big sizes

Shapes:

* fan-out: one question with 100,000 answers (before folding, draw() had not returned after
  100 s);
* realistic: 300 entries in 20 branches that fork at random depths from the main line and from
  each other, branch lengths random (the main line gets a random share too): see
  tests/shapes.py's build_realistic. Over 10 seeds: lanes and inches as medians and ranges;
* deep: one chain of 100,000 entries;
* wide: 100,000 entries in 1,000 branches, each forked from a random earlier entry
  (benchmarks/core.py's big tree).

For each, ``draw()`` alone and ``draw()`` plus rendering a PNG (what a notebook waits for), the
whole thread and ``focus="live"``, against a baseline measured in the same run: reading the
thread's graph (``store.graph``), which every drawing starts with. Times are medians of 3 runs
on a shared machine; building the data is not timed. No target is asserted here; the unit
tests check the structure (lanes, folds, inches per lane), never time.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import threadtree  # noqa: E402
from threadtree.lanes import plan  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
from core import build_wide_tree, messages  # noqa: E402  (the same data as the core benchmark)
from graph import median_seconds  # noqa: E402

from tests.shapes import build_realistic  # noqa: E402  (the same trees as tests/test_draw.py)


def drawing(store: threadtree.Store, thread_id: str, png: bool, **options):
    """Draw, and render to PNG if ``png`` (what a notebook waits for); return the axes."""
    ax = threadtree.draw(store, thread_id, **options)
    if png:
        ax.figure.savefig(io.BytesIO(), format="png")
    return ax


def describe(store: threadtree.Store, thread_id: str, ax, **options) -> tuple[int, str, float, float]:
    """Lanes, boxes ("(outline)" when too big to label) and inches of a drawing."""
    drawn = plan(store.graph(thread_id), **options)
    labelled = any(text.get_gid() for text in ax.texts)
    boxes = f"{len(drawn.boxes):,}" + ("" if labelled or not drawn.boxes else " (outline)")
    width, height = ax.figure.get_size_inches()
    return drawn.lanes, boxes, float(width), float(height)


def measure(store: threadtree.Store, thread_id: str, shape: str, rows: list, rounds: int) -> None:
    graph_s, _ = median_seconds(lambda: store.graph(thread_id), rounds)
    rows.append((shape, "store.graph (baseline)", f"{graph_s:.2f} s", "1.0x", "", "", ""))
    for focus in (None, "live"):
        mode = "whole thread" if focus is None else 'focus="live"'
        draw_s, ax = median_seconds(lambda: drawing(store, thread_id, False, focus=focus), rounds)
        lanes, boxes, width, height = describe(store, thread_id, ax, focus=focus)
        plt.close("all")
        png_s, _ = median_seconds(lambda: drawing(store, thread_id, True, focus=focus), rounds)
        plt.close("all")
        rows.append(("", f"draw, {mode}", f"{draw_s:.2f} s", f"{draw_s / graph_s:.1f}x", f"{lanes}",
                     boxes, f"{width:.1f} x {height:.1f}"))
        rows.append(("", "  + render PNG", f"{png_s:.2f} s", f"{png_s / graph_s:.1f}x", "", "", ""))


def realistic_sizes(store: threadtree.Store, seeds: int) -> list[tuple[str, str]]:
    """Lanes and inches of the realistic 300/20 tree over ``seeds`` seeds: median (range)."""
    found: dict[str, list[float]] = {}
    for seed in range(seeds):
        thread_id = store.create_thread(f"realistic {seed}").id
        build_realistic(store, thread_id, seed=seed)
        for focus in (None, "live"):
            lanes, _, width, height = describe(store, thread_id, drawing(store, thread_id, False, focus=focus),
                                               focus=focus)
            plt.close("all")
            for name, value in (("lanes", lanes), ("width", width), ("height", height)):
                found.setdefault(f"{focus}-{name}", []).append(value)

    def spread(key: str, unit: str) -> str:
        values = found[key]
        digits = 0 if unit == "" else 1
        return (f"{statistics.median(values):.{digits}f}{unit} "
                f"({min(values):.{digits}f}-{max(values):.{digits}f})")

    return [
        (f"whole thread ({seeds} seeds)", f"lanes {spread('None-lanes', '')}, width {spread('None-width', ' in')}, "
                                          f"height {spread('None-height', ' in')}"),
        ('focus="live"', f"lanes {spread('live-lanes', '')}, width {spread('live-width', ' in')}, "
                         f"height {spread('live-height', ' in')}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the big sizes, 1 round, 3 seeds")
    args = parser.parse_args(argv)
    scale, rounds, seeds = (10, 1, 3) if args.quick else (1, 3, 10)
    big = 100_000 // scale
    rows: list[tuple[str, ...]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="threadtree-bench-") as tmp:
        with threadtree.open(os.path.join(tmp, "draw.db"), synchronous="NORMAL") as store:
            store.create_thread("fan-out", thread_id="fan")
            question = store.append("fan", "user", "Pick a name for the project.")
            for answer in range(big):
                store.fork(question.id, "assistant", f"Name {answer}")
            store.create_thread("realistic", thread_id="real")
            build_realistic(store, "real", seed=1)
            store.create_thread("deep", thread_id="deep")
            store.extend("deep", messages(big))
            store.create_thread("wide", thread_id="wide")
            build_wide_tree(store, "wide", big, 1000 // scale, random.Random(7))

            measure(store, "fan", f"fan-out: 1 entry, {big:,} children", rows, rounds)
            measure(store, "real", "realistic: 300 entries, 20 branches", rows, rounds)
            measure(store, "deep", f"deep: a chain of {big:,}", rows, rounds)
            measure(store, "wide", f"wide: {big:,} entries, {1000 // scale:,} branches", rows, rounds)
            sizes = realistic_sizes(store, seeds)

    print(f"threadtree {threadtree.__version__}, matplotlib {matplotlib.__version__}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    header = ("thread", "measure", "median", "ratio", "lanes", "boxes", "inches")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print("\nrealistic 300-entry, 20-branch trees, median (range):")
    for mode, text in sizes:
        print(f"  {mode}: {text}")
    print(f"\n(total {time.perf_counter() - started:.0f} s; ratio: against store.graph of the same thread, "
          "in the same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
