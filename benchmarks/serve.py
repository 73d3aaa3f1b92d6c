"""How fast `threadtree serve` answers what a page asks first, over real HTTP.

Targets (issue 19): a thread of 100,000 entries opens in under 1 s (the page's first
requests: the thread, a page of its live path, its tree, the selected entry), a file of
100,000 threads lists its first page in under 200 ms, and an open page shows another
process's write within 2 s (measured in the system's headless Chromium through Playwright,
when both are installed: from the commit of an append to its entry in the page's reader).
Two threads of 100,000 entries: a chain, and a "wide" one (1,000 branches off a 100,000-entry trunk... here: a branch every 100
entries). Baseline in the same run: store.graph() of the same thread, what drawing the whole
tree would cost. Medians of N rounds; run it on a quiet machine, and read the ratios.

    python benchmarks/serve.py            # 100,000 entries and threads
    python benchmarks/serve.py --quick    # 10,000 of each, a smoke run
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import threadtree  # noqa: E402
from tests.serve_server import chromium, request, running  # noqa: E402

QUICK = "--quick" in sys.argv
N = 10_000 if QUICK else 100_000
ROUNDS = 3 if QUICK else 7


def median_of(fn) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(db: Path) -> None:
    with threadtree.open(db, synchronous="NORMAL") as store:
        store.create_thread("chain", thread_id="chain")
        store.extend("chain", [{"role": "user" if k % 2 else "assistant", "content": f"message {k} " * 8} for k in range(N)])
        store.create_thread("wide", thread_id="wide")
        trunk = store.extend("wide", [{"role": "user", "content": f"trunk {k} " * 8} for k in range(N - N // 100 * 5)])
        for k in range(0, len(trunk), 100):
            store.extend("wide", [{"role": "assistant", "content": f"branch {k} {j}"} for j in range(5)], parent_id=trunk[k].id)
        store.checkout(trunk[-1].id)
        for k in range(N):
            store.create_thread(f"thread {k}")


def open_thread(url: str, tid: str) -> None:
    _, _, thread = request(f"{url}api/thread/{tid}")
    _, _, path = request(f"{url}api/thread/{tid}/path")
    request(f"{url}api/thread/{tid}/tree")
    request(f"{url}api/entry/{path['entries'][-1]['id']}")
    assert thread["thread"]["entry_count"] >= N * 0.9


def live_update(url: str, db: Path) -> float | None:
    """Median seconds from an append in this process to its entry in an open page's reader;
    None without Playwright or a system Chromium."""
    path = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if path is None:
        return None
    times = []
    with sync_playwright() as p, threadtree.open(db) as store:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = browser.new_page()
        store.create_thread("live", thread_id="live")
        store.append("live", "user", "first")
        page.goto(url)
        page.wait_for_selector("body[data-ready]")
        page.get_by_text("live", exact=True).click()
        page.wait_for_selector("#reader .entry")
        for k in range(ROUNDS):
            time.sleep(0.3 + 0.1 * k)  # writes fall at different points of the page's poll
            start = time.perf_counter()
            entry = store.append("live", "assistant", f"reply {k}")
            page.wait_for_selector(f'#reader .entry[data-id="{entry.id}"]', timeout=10_000)
            times.append(time.perf_counter() - start)
        browser.close()
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "serve.db"
        start = time.perf_counter()
        build(db)
        print(f"built {N:,}-entry threads and {N:,} threads in {time.perf_counter() - start:.0f} s")
        rows = []
        with threadtree.open(db, readonly=True) as store:
            for tid in ("chain", "wide"):
                rows.append((f"store.graph({tid}) (baseline)", median_of(lambda: store.graph(tid)), None))
        with running(db) as url:
            for tid in ("chain", "wide"):
                rows.append((f"open the {tid} thread (4 requests)", median_of(lambda: open_thread(url, tid)), 1.0))
            rows.append(("first page of the thread list", median_of(lambda: request(f"{url}api/threads")), 0.2))
            rows.append(("a thread's version (the poll)", median_of(lambda: request(f"{url}api/version?thread=chain")), None))
            shown = live_update(url, db)
            if shown is None:
                print("another process's write in an open page: not measured (no Playwright or system Chromium)")
            else:
                rows.append(("another process's write in an open page", shown, 2.0))
        print(f"{'measure':<40} {'median':>10}  target")
        for name, seconds, target in rows:
            verdict = "" if target is None else ("< %.1f s: %s" % (target, "met" if seconds < target else "MISSED"))
            print(f"{name:<40} {seconds * 1000:>8.1f} ms  {verdict}")
        print(f"({ROUNDS} rounds each; threadtree {threadtree.__version__}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
