"""Agents SDK session benchmark: ThreadTreeSession against the SDK's AdvancedSQLiteSession.

    python benchmarks/agents.py              # 5,000-item conversations (about 1 min)
    python benchmarks/agents.py --quick      # 500 items: a smoke run

Both sessions run the same workload in one process and one event loop, on files in one
temporary folder, both at synchronous=FULL (a returned write survives power loss): the peer's
connections get the pragma set as they are made, and the script checks it. Items are shaped
like an agent turn: a user message, a function call, its output, an assistant reply (about
700 bytes of JSON in all), added as the Runner adds them: [user], [call, output], [reply].
Rounds alternate the two sides, so the noise of a shared machine falls on both; figures are
medians, and a ratio is the median of the per-round ratios.

Targets (issue 7): add_items at least 3x the peer's rate; fork time independent of depth and
at least 100x faster than the peer's at depth 5,000; reading the live path at least as fast;
bytes on disk per item no larger.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This script is named like the SDK's package: keep its own folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != Path(__file__).resolve().parent]

import apsw  # noqa: E402
from agents.extensions.memory.advanced_sqlite_session import AdvancedSQLiteSession  # noqa: E402
from agents.version import __version__ as sdk_version  # noqa: E402

import threadtree  # noqa: E402
from threadtree.agents import ThreadTreeSession  # noqa: E402
from threadtree.store import database_of  # noqa: E402


class Peer(AdvancedSQLiteSession):
    """The SDK's branching session, with synchronous=FULL on every connection it opens."""

    @staticmethod
    def _configure_connection(conn: sqlite3.Connection) -> None:
        AdvancedSQLiteSession._configure_connection(conn)
        conn.execute("PRAGMA synchronous=FULL")

    async def synchronous(self) -> int:
        def read():
            with self._locked_connection() as conn:
                return conn.execute("PRAGMA synchronous").fetchone()[0]
        return await asyncio.to_thread(read)


def turn(k: int) -> list[list[dict]]:
    """One agent turn, as the three add_items calls the Runner makes for it."""
    question = f"Turn {k}: what do 2 and {k} make, and is that a lucky number? " * 2
    answer = (f"They make {k + 2}. Whether that is lucky depends on whom you ask; in many "
              "traditions it is neither here nor there, so I would not plan a trip on it. ") * 3
    call_id = f"call_{k:06d}"
    return [
        [{"role": "user", "content": question}],
        [
            {"type": "function_call", "id": f"fc_{k:06d}", "call_id": call_id, "name": "add",
             "arguments": f'{{"a": 2, "b": {k}}}', "status": "completed"},
            {"type": "function_call_output", "call_id": call_id, "output": str(k + 2)},
        ],
        [{"type": "message", "id": f"msg_{k:06d}", "role": "assistant", "status": "completed",
          "content": [{"type": "output_text", "text": answer, "annotations": []}]}],
    ]


async def fill(session, items: int, start: int = 0) -> None:
    for k in range(start, start + items // 4):
        for batch in turn(k):
            await session.add_items(batch)


class Timings:
    def __init__(self, n: int) -> None:
        self.times: list[list[float]] = [[] for _ in range(n)]

    def median(self, i: int) -> float:
        return statistics.median(self.times[i])

    def ratio(self, i: int, j: int) -> float:
        return statistics.median(a / b for a, b in zip(self.times[i], self.times[j]))


async def alternate(rounds: int, *steps) -> Timings:
    """Each step is (prepare, measured): both async, prepare untimed. Rotating order."""
    t = Timings(len(steps))
    for k in range(rounds):
        for j in range(len(steps)):
            i = (j + k) % len(steps)
            prepare, measured = steps[i]
            if prepare is not None:
                await prepare()
            gc.collect()
            await asyncio.sleep(0.005)  # let worker threads settle after the collection
            start = time.perf_counter()
            await measured()
            t.times[i].append(time.perf_counter() - start)
    return t


async def loop_stall(work) -> float:
    """The longest the event loop went without running a 1 ms ticker while ``work`` ran."""
    worst = 0.0
    done = False

    async def ticker():
        nonlocal worst
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now

    ticking = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.005)
    await work()
    done = True
    await ticking
    return worst


def file_bytes(path: Path) -> int:
    return sum(os.path.getsize(p) for p in path.parent.glob(path.name + "*"))


async def run(workdir: Path, items: int, rounds: int) -> list[tuple[str, str, str, str, str]]:
    rows = []
    ours_path, peer_path = workdir / "threadtree.db", workdir / "peer.db"
    store = threadtree.open(ours_path, synchronous="FULL")
    assert database_of(store).engine().connection.pragma("synchronous") == 2
    ours = ThreadTreeSession("bench", store)
    peer = Peer(session_id="bench", db_path=peer_path, create_tables=True)
    assert await peer.synchronous() == 2, "the peer is not at synchronous=FULL"

    # -- the conversations, built as a Runner builds them (also the add_items workload) --
    turns_per_round = 12
    ours_turns, peer_turns = iter(range(items // 4, 10**6)), iter(range(items // 4, 10**6))
    batches = [turn(k) for k in range(10**4 // 4)]

    async def add_ours():
        for _ in range(turns_per_round):
            for batch in batches[next(ours_turns) % len(batches)]:
                await ours.add_items(batch)

    async def add_peer():
        for _ in range(turns_per_round):
            for batch in batches[next(peer_turns) % len(batches)]:
                await peer.add_items(batch)

    await fill(ours, items)
    await fill(peer, items)
    for _ in range(2):  # warm up both
        await add_ours()
        await add_peer()
    t = await alternate(rounds, (None, add_ours), (None, add_peer))
    per_round = turns_per_round * 4
    rows.append(("add_items (Runner-shaped: 1, 2, 1 items)", f"{per_round / t.median(0):,.0f} items/s",
                 f"{per_round / t.median(1):,.0f} items/s", f"{1 / t.ratio(0, 1):.2f}x", ">= 3x"))

    # -- fork at depth 10 and at the end of the conversation --
    # Both conversations now hold `items` items and then the workload's extra turns; fork
    # points are counted from the start. The peer forks at a user turn and copies every
    # earlier structure row; ours moves the leaf (the items stay where they are).
    total = len(await ours.get_items())
    assert total == len(await peer.get_items())
    shallow_index, deep_index = 8, items - 4  # user messages: 4 items per turn
    shallow_turn, deep_turn = shallow_index // 4 + 1, deep_index // 4 + 1
    tip = await ours.current_leaf_id()
    names = iter(range(10**6))

    async def ours_ready():
        await ours.switch(tip)
        await ours.get_items()  # what every Runner.run does before anything else

    async def peer_ready():
        await peer.switch_to_branch("main")

    t = await alternate(
        rounds,
        (ours_ready, lambda: ours.fork_at(shallow_index)),
        (ours_ready, lambda: ours.fork_at(deep_index)),
        (peer_ready, lambda: peer.create_branch_from_turn(shallow_turn, f"b{next(names)}")),
        (peer_ready, lambda: peer.create_branch_from_turn(deep_turn, f"b{next(names)}")),
    )
    rows.append((f"fork at item {shallow_index}", f"{t.median(0) * 1e3:,.2f} ms", f"{t.median(2) * 1e3:,.2f} ms",
                 f"{t.ratio(2, 0):,.0f}x", ""))
    rows.append((f"fork at item {deep_index:,}", f"{t.median(1) * 1e3:,.2f} ms", f"{t.median(3) * 1e3:,.2f} ms",
                 f"{t.ratio(3, 1):,.0f}x", ">= 100x"))
    rows.append((f"fork at {deep_index:,} / fork at {shallow_index}", f"{t.ratio(1, 0):.2f}",
                 f"{t.ratio(3, 2):.2f}", "", "ours ~1 (< 1.3)"))

    async def ours_cold():
        await ours.switch(tip)
        ours._path = None  # as a new process would be: fork_at must read the path first

    t = await alternate(
        max(3, rounds // 2),
        (ours_cold, lambda: ours.fork_at(deep_index)),
        (ours_ready, lambda: ours.fork(ours._path.id(deep_index))),
    )
    rows.append((f"  ours, fork_at {deep_index:,} without a prior read", f"{t.median(0) * 1e3:,.2f} ms", "", "",
                 "reads the path"))
    rows.append((f"  ours, fork(entry_id) at item {deep_index:,}", f"{t.median(1) * 1e3:,.2f} ms", "", "", ""))

    # -- reading the live path --
    await ours.switch(tip)
    await peer.switch_to_branch("main")
    got = await ours.get_items()
    theirs = await peer.get_items()
    assert got == theirs and len(got) == total
    t = await alternate(rounds, (None, ours.get_items), (None, peer.get_items))
    rows.append((f"get_items, {total:,} items", f"{t.median(0) * 1e3:,.1f} ms", f"{t.median(1) * 1e3:,.1f} ms",
                 f"{t.ratio(1, 0):.2f}x", ">= 1x"))

    # -- the event loop while a write waits for the disk --
    batch = batches[0][1]
    worker = await loop_stall(lambda: _repeat(lambda: ours.add_items(batch), 30))

    async def inline():
        for _ in range(30):
            store.extend("bench", [{"role": "assistant", "content": "x", "item": item} for item in batch])

    blocking = await loop_stall(inline)
    rows.append(("longest event-loop stall, 30 add_items", f"{worker * 1e3:,.1f} ms",
                 "", "", f"inline: {blocking * 1e3:,.1f} ms"))
    ours.close()
    store.close()
    peer.close()

    # -- bytes on disk per item: the same conversation, nothing else in the file --
    sizes = []
    for name in ("ours-size.db", "peer-size.db"):
        path = workdir / name
        if name.startswith("ours"):
            with threadtree.open(path) as s, ThreadTreeSession("size", s) as session:
                await fill(session, items)
        else:
            session = Peer(session_id="size", db_path=path, create_tables=True)
            await fill(session, items)
            session.close()
        conn = apsw.Connection(str(path))
        conn.pragma("wal_checkpoint(TRUNCATE)")
        conn.close()
        sizes.append(file_bytes(path) / items)
    payload = sum(len(orjson_dumps(i)) for k in range(items // 4) for b in turn(k) for i in b) / items
    rows.append(("bytes on disk per item", f"{sizes[0]:,.0f} B", f"{sizes[1]:,.0f} B",
                 f"{sizes[0] / sizes[1]:.2f}", f"<= 1 (item JSON: {payload:,.0f} B)"))
    return rows


def orjson_dumps(item) -> bytes:
    import orjson

    return orjson.dumps(item)


async def _repeat(make, n: int) -> None:
    for _ in range(n):
        await make()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500-item conversations and 3 rounds: a smoke run")
    args = parser.parse_args(argv)
    items, rounds = (500, 3) if args.quick else (5000, 9)
    print(f"threadtree {threadtree.__version__}, openai-agents {sdk_version}, apsw {apsw.apsw_version()}, "
          f"SQLite {apsw.sqlite_lib_version()} (peer: sqlite3 {sqlite3.sqlite_version}), "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="threadtree-agents-") as tmp:
        results = asyncio.run(run(Path(tmp), items, rounds))
    print(f"\nsynchronous=FULL, conversations of {items:,} items\n")
    header = ("measure", "threadtree", "AdvancedSQLiteSession", "ours vs peer", "target")
    widths = [max(len(str(r[i])) for r in [header, *results]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *results]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\n(total {time.perf_counter() - started:.0f} s. Times are medians of {rounds} rounds; "
          "'ours vs peer' is how many times faster (sizes: ours / peer))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
