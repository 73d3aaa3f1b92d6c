"""threadtree against the least a store must do: a bare schema written with APSW by hand.

    python benchmarks/bare.py              # about 3-4 minutes
    python benchmarks/bare.py --quick      # a tenth of the sizes: a smoke run
    python benchmarks/bare.py --part core  # only appends, forks, path and bytes (or: depth, big, pages)
    python benchmarks/bare.py --clock cpu  # CPU time instead of wall time: steadier on a loaded machine

The bare side keeps the guarantees a tree needs and nothing threadtree-specific: an entries
table whose parent must be in the same thread (a composite foreign key onto a unique
(thread_id, id)) and older (a CHECK), items stored as JSON text, and the thread's leaf pointer
and updated_at moved in the same transaction as the insert (BEGIN IMMEDIATE ... COMMIT, WAL,
foreign keys on). No leaf history, no leaves table, no depth, no source ids, no search index,
no text-once: whatever threadtree spends on those shows in the ratios. threadtree is measured
as it is, search index included (an FTS5 insert is part of its append).

Both sides get the same messages (half carry a provider-message item, ~180-character texts)
at the same synchronous setting, in one process; rounds rotate the sides (core.alternate), so
the noise of the shared machine falls on both. Figures are medians with the range over
rounds; a ratio is the median of the per-round ratios (range in brackets).

Targets (issue 20): append at NORMAL <= 2.5x bare, at FULL <= 1.5x; fork <= 2x at both; path at
depth 10,000 <= 1.5x (items decoded on both sides); bytes per message <= 1.3x; path(limit=50)
and the agents session's fork_at flat from depth 100 to 100,000 (<= 1.3x); render_tree of a
200,000-entry chain under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This folder holds agents.py, named like the Agents SDK's package: keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != Path(__file__).resolve().parent]

import apsw  # noqa: E402
import orjson  # noqa: E402

import threadtree  # noqa: E402
from threadtree.store import database_of  # noqa: E402

# The same data and rotation as core.py, loaded by path (its folder is off sys.path).
_spec = importlib.util.spec_from_file_location("core", Path(__file__).resolve().parent / "core.py")
_core = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_core)
messages, Timings, alternate, timed = _core.messages, _core.Timings, _core.alternate, _core.timed

SCHEMA = """
create table threads (
  id text primary key not null,
  leaf_id integer,
  updated_at real not null,
  foreign key (id, leaf_id) references entries (thread_id, id)
);
create table entries (
  id integer primary key,
  thread_id text not null references threads (id),
  parent_id integer,
  role text not null,
  content text not null,
  item text,
  created_at real not null,
  check (parent_id is null or parent_id < id),
  unique (thread_id, id),
  foreign key (thread_id, parent_id) references entries (thread_id, id)
);
"""

PATH = """
with recursive chain (id, parent_id) as (
  select id, parent_id from entries where id = :leaf
  union all
  select e.id, e.parent_id from chain cross join entries as e where e.id = chain.parent_id
)
select e.id, e.parent_id, e.role, e.content, e.item, e.created_at
from chain cross join entries as e where e.id = chain.id
"""


class Bare:
    """The bare schema, by hand: apsw and orjson only."""

    def __init__(self, path: str, synchronous: str) -> None:
        self.conn = apsw.Connection(path)
        self.conn.set_busy_timeout(5000)
        self.conn.pragma("journal_mode", "wal")
        self.conn.pragma("foreign_keys", True)
        self.conn.pragma("synchronous", synchronous)
        self.conn.execute(SCHEMA)

    def create_thread(self, tid: str) -> None:
        self.conn.execute("insert into threads (id, updated_at) values (?, ?)", (tid, time.time()))

    def _insert(self, tid: str, parent: int | None, msgs: list[dict]) -> int:
        now = time.time()
        execute, dumps = self.conn.execute, orjson.dumps
        for m in msgs:
            item = m.get("item")
            parent = execute(
                "insert into entries (thread_id, parent_id, role, content, item, created_at) "
                "values (?, ?, ?, ?, ?, ?) returning id",
                (tid, parent, m["role"], m["content"], None if item is None else dumps(item).decode(), now),
            ).get
        execute("update threads set leaf_id = ?, updated_at = ? where id = ?", (parent, now, tid))
        return parent

    def extend(self, tid: str, msgs: list[dict]) -> int:
        self.conn.execute("begin immediate")
        leaf = self.conn.execute("select leaf_id from threads where id = ?", (tid,)).get
        new = self._insert(tid, leaf, msgs)
        self.conn.execute("commit")
        return new

    def append(self, tid: str, msg: dict) -> int:
        return self.extend(tid, [msg])

    def fork(self, entry_id: int, msg: dict) -> int:
        self.conn.execute("begin immediate")
        tid = self.conn.execute("select thread_id from entries where id = ?", (entry_id,)).get
        new = self._insert(tid, entry_id, [msg])
        self.conn.execute("commit")
        return new

    def rewind(self, tid: str, entry_id: int) -> None:
        self.conn.execute("update threads set leaf_id = ?, updated_at = ? where id = ?", (entry_id, time.time(), tid))

    def path(self, tid: str) -> list[tuple]:
        """The live path root first, items decoded (one read transaction)."""
        self.conn.execute("begin")
        leaf = self.conn.execute("select leaf_id from threads where id = ?", (tid,)).get
        rows = self.conn.execute(PATH, {"leaf": leaf}).fetchall()
        self.conn.execute("commit")
        rows.reverse()
        loads = orjson.loads
        return [(*r[:4], None if r[4] is None else loads(r[4]), r[5]) for r in rows]


def file_bytes(conn) -> int:
    """The bytes the file's used pages take once the WAL is checkpointed into it."""
    conn.pragma("wal_checkpoint", "TRUNCATE")
    return (conn.pragma("page_count") - conn.pragma("freelist_count")) * conn.pragma("page_size")


def spread(values: list[float], scale: float, fmt: str) -> str:
    low, mid, high = (format(v * scale, fmt) for v in (min(values), statistics.median(values), max(values)))
    return f"{mid} ({low}-{high})"


def ratio(t, i: int, j: int) -> str:
    ratios = [a / b for a, b in zip(t.times[i], t.times[j])]
    return f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"


def core_part(synchronous: str, quick: bool, workdir: Path, rounds: int) -> list[tuple[str, ...]]:
    scale = 10 if quick else 1
    store = threadtree.open(str(workdir / f"tt-{synchronous}.db"), synchronous=synchronous)
    bare = Bare(str(workdir / f"bare-{synchronous}.db"), synchronous)
    rows = []

    # appends, one transaction each
    chunk = 200 // scale
    msgs = messages(chunk)
    store.create_thread(thread_id="append")
    bare.create_thread("append")
    # For reference only: threadtree with its search index's insert triggers dropped, to show
    # what the index costs an append (search() is wrong on that file; it is thrown away).
    unsearched = threadtree.open(str(workdir / f"tt-unsearched-{synchronous}.db"), synchronous=synchronous)
    for trigger in ("entries_search_insert", "entries_search_batch"):
        database_of(unsearched).engine().connection.execute(f"drop trigger {trigger}")
    unsearched.create_thread(thread_id="append")
    gc.collect()
    t = alternate(
        rounds,
        lambda: [store.append("append", m["role"], m["content"], item=m["item"]) for m in msgs],
        lambda: [bare.append("append", m) for m in msgs],
        lambda: [unsearched.append("append", m["role"], m["content"], item=m["item"]) for m in msgs],
    )
    unsearched.close()
    rows.append((f"append, {synchronous}", spread([x / chunk for x in t.times[0]], 1e6, ",.0f") + " us",
                 spread([x / chunk for x in t.times[1]], 1e6, ",.0f") + " us", ratio(t, 0, 1),
                 "<= 2.5x" if synchronous == "NORMAL" else "<= 1.5x"))
    rows.append(("  without the search index's insert", spread([x / chunk for x in t.times[2]], 1e6, ",.0f") + " us",
                 "", ratio(t, 2, 1), f"as is / without: {ratio(t, 0, 2)}"))

    # forks from the middle of a 10,000-deep chain
    deep = 10_000 // scale
    chain = messages(deep)
    store.create_thread(thread_id="deep")
    tt_leaf = store.extend("deep", chain)[-1].id
    bare.create_thread("deep")
    bare_leaf = bare.extend("deep", chain)
    tt_mid, bare_mid = tt_leaf - deep // 2, bare_leaf - deep // 2  # one transaction: consecutive ids
    one = msgs[0]
    forks = 50 // scale
    gc.collect()
    t = alternate(
        rounds,
        lambda: [store.fork(tt_mid, "user", one["content"], item=one["item"]) for _ in range(forks)],
        lambda: [bare.fork(bare_mid, one) for _ in range(forks)],
    )
    rows.append((f"fork, {synchronous}", spread([x / forks for x in t.times[0]], 1e6, ",.0f") + " us",
                 spread([x / forks for x in t.times[1]], 1e6, ",.0f") + " us", ratio(t, 0, 1), "<= 2x"))

    # the live path at depth 10,000, items decoded on both sides
    store.rewind("deep", tt_leaf)
    bare.rewind("deep", bare_leaf)
    assert len(store.path("deep")) == len(bare.path("deep")) == deep
    gc.collect()
    t = alternate(rounds * 2 + 1, lambda: store.path("deep"), lambda: bare.path("deep"))
    rows.append((f"path at depth {deep:,}, {synchronous}", spread(t.times[0], 1e3, ",.1f") + " ms",
                 spread(t.times[1], 1e3, ",.1f") + " ms", ratio(t, 0, 1), "<= 1.5x"))
    store.close()
    bare.conn.close()

    # bytes per message: the same messages appended one transaction each, in fresh files
    if synchronous == "NORMAL":
        n = 5_000 // scale
        sized = messages(n)
        with threadtree.open(str(workdir / "tt-bytes.db"), synchronous="NORMAL") as s:
            s.create_thread(thread_id="bytes")
            for m in sized:
                s.append("bytes", m["role"], m["content"], item=m["item"])
            tt_bytes = file_bytes(database_of(s).engine().connection)
        b = Bare(str(workdir / "bare-bytes.db"), "NORMAL")
        b.create_thread("bytes")
        for m in sized:
            b.append("bytes", m)
        bare_bytes = file_bytes(b.conn)
        b.conn.close()
        payload = statistics.mean(len(m["content"]) + len(orjson.dumps(m["item"])) if m["item"] else len(m["content"])
                                  for m in sized)
        rows.append((f"bytes per message ({n:,} appends)", f"{tt_bytes / n:,.0f} B", f"{bare_bytes / n:,.0f} B",
                     f"{tt_bytes / bare_bytes:.2f}x", f"<= 1.3x; payload {payload:,.0f} B"))
    return rows


def wal_pages(conn, path: str, op, n: int) -> tuple[float, collections.Counter]:
    """Pages ``n`` calls of ``op`` write to the WAL, per call: the frames SQLite appends at each
    commit (a dirty page is one frame), counted from the WAL file's frame headers, and each
    frame's page named by the table or index that owns it (the dbstat virtual table)."""
    conn.pragma("wal_autocheckpoint", 0)  # this connection's setting: the WAL keeps every frame
    conn.pragma("wal_checkpoint", "TRUNCATE")
    for k in range(n):
        op(k)
    data = Path(path + "-wal").read_bytes()
    page_size = int.from_bytes(data[8:12], "big")
    pages = [int.from_bytes(data[at:at + 4], "big") for at in range(32, len(data) - 23, 24 + page_size)]
    owner = dict((page, name) for name, page in conn.execute("select name, pageno from dbstat"))
    conn.pragma("wal_autocheckpoint", 1000)
    by_table = collections.Counter(owner.get(page, "(free)") for page in pages)
    return len(pages) / n, by_table


def pages_part(workdir: Path) -> list[tuple[str, ...]]:
    """WAL pages an append and a fork write at NORMAL, in total and by table or index: at
    NORMAL a commit costs about what it writes. 100 calls each, on a thread of 300 entries
    (appends) and from the middle of a 2,000-deep chain (forks), as core_part does."""
    rows = []
    n = 100
    msgs, chain, one = messages(400), messages(2_000), messages(1)[0]
    store = threadtree.open(str(workdir / "pages.db"), synchronous="NORMAL")
    conn = database_of(store).engine().connection
    bare = Bare(str(workdir / "bare-pages.db"), "NORMAL")
    for tid in ("append", "deep"):
        store.create_thread(thread_id=tid)
        bare.create_thread(tid)
    store.extend("append", msgs[:300])
    bare.extend("append", msgs[:300])
    tt_mid = store.extend("deep", chain)[-1].id - 1_000
    bare_mid = bare.extend("deep", chain) - 1_000
    measured = {
        "append": (
            wal_pages(conn, str(workdir / "pages.db"),
                      lambda k: store.append("append", msgs[k]["role"], msgs[k]["content"], item=msgs[k]["item"]), n),
            wal_pages(bare.conn, str(workdir / "bare-pages.db"), lambda k: bare.append("append", msgs[k]), n),
        ),
        "fork": (
            wal_pages(conn, str(workdir / "pages.db"),
                      lambda k: store.fork(tt_mid, "user", one["content"], item=one["item"]), n),
            wal_pages(bare.conn, str(workdir / "bare-pages.db"), lambda k: bare.fork(bare_mid, one), n),
        ),
    }
    for what, ((tt, tt_tables), (raw, raw_tables)) in measured.items():
        rows.append((f"WAL pages per {what}, NORMAL", f"{tt:.2f}", f"{raw:.2f}", f"{tt / raw:.2f}x", "(one a commit)"))
        for name, count in sorted(tt_tables.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append((f"  {name}", f"{count / n:.2f}", f"{raw_tables.get(name, 0) / n:.2f}", "", ""))
    store.close()
    bare.conn.close()
    return rows


def depth_part(quick: bool, workdir: Path, rounds: int) -> list[tuple[str, ...]]:
    """path(limit=50) and the agents session's fork_at (a new session: no prior read) at
    depths 100 to 100,000, one thread per depth."""
    from threadtree.agents import ThreadTreeSession

    depths = [100, 1_000, 10_000] if quick else [100, 1_000, 10_000, 100_000]
    store = threadtree.open(str(workdir / "depth.db"), synchronous="NORMAL")
    for d in depths:
        store.create_thread(thread_id=f"d{d}")
        for start in range(0, d, 10_000):
            store.extend(f"d{d}", messages(min(10_000, d - start)))
    leaves = {d: store.get_thread(f"d{d}").current_leaf_id for d in depths}
    gc.collect()
    reads = 20
    t = alternate(rounds, *[lambda d=d: [store.path(f"d{d}", limit=50) for _ in range(reads)] for d in depths])
    rows = [(f"path(limit=50) at depth {d:,}", spread([x / reads for x in t.times[k]], 1e6, ",.0f") + " us", "",
             "" if k == 0 else f"{statistics.median(a / b for a, b in zip(t.times[k], t.times[0])):.2f}x depth 100",
             "flat: <= 1.3x") for k, d in enumerate(depths)]

    loop = asyncio.new_event_loop()

    def fork_at(d: int) -> float:
        """fork_at(-2) (the last turn's question) in a new session, then back (untimed)."""
        session = ThreadTreeSession(f"d{d}", store)
        took = timed(lambda: loop.run_until_complete(session.fork_at(-2)))
        store.rewind(f"d{d}", leaves[d])
        return took

    times = [[] for _ in depths]
    for r in range(rounds * 2):
        for j in range(len(depths)):
            k = (j + r) % len(depths)
            times[k].append(fork_at(depths[k]))
    for k, d in enumerate(depths):
        rel = statistics.median(a / b for a, b in zip(times[k], times[0]))
        rows.append((f"session fork_at(-2), new session, depth {d:,}", spread(times[k], 1e3, ",.2f") + " ms", "",
                     "" if k == 0 else f"{rel:.2f}x depth 100", "flat: <= 1.3x"))
    loop.close()
    store.close()
    return rows


def big_part(quick: bool, workdir: Path, rounds: int) -> list[tuple[str, ...]]:
    """render_tree, graph and check of one 200,000-entry chain."""
    n = 200_000 // (10 if quick else 1)
    store = threadtree.open(str(workdir / "big.db"), synchronous="NORMAL")
    store.create_thread(thread_id="chain")
    for start in range(0, n, 10_000):
        store.extend("chain", messages(min(10_000, n - start)))
    rows = []
    for name, fn, target in (
        ("render_tree", lambda: store.render_tree("chain"), "< 5 s"),
        ("graph", lambda: store.graph("chain"), ""),
        ("check(thread)", lambda: store.check("chain"), ""),
    ):
        times = []
        for _ in range(rounds):
            gc.collect()
            times.append(timed(fn))
        rows.append((f"{name}: {n:,}-entry chain", spread(times, 1, ".2f") + " s", "", "", target))
    store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes: a smoke run")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measure (default 7)")
    parser.add_argument("--part", choices=["core", "depth", "big", "pages", "all"], default="all")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall time (default) or this process's CPU time (steadier on a loaded machine)")
    args = parser.parse_args(argv)
    # The clock every measure reads (core.CLOCK): wall time by default; --clock cpu reads this
    # process's CPU time instead (user + system, the write() calls into the page cache
    # included), which other jobs on a shared machine do not inflate. At FULL it leaves out the
    # time spent waiting for fsync, so it is for NORMAL mostly.
    _core.CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    started = time.perf_counter()
    print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start, "
          f"{args.clock} clock")
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="threadtree-bare-") as tmp:
        if args.part in ("core", "all"):
            for mode in ("NORMAL", "FULL"):
                rows += core_part(mode, args.quick, Path(tmp), args.rounds)
        if args.part in ("pages", "all"):
            rows += pages_part(Path(tmp))
        if args.part in ("depth", "all"):
            rows += depth_part(args.quick, Path(tmp), args.rounds)
        if args.part in ("big", "all"):
            rows += big_part(args.quick, Path(tmp), max(1, args.rounds // 3))
    header = ("measure", "threadtree", "bare schema", "ratio", "target")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\n(total {time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.1f} at the end. "
          "Medians (range over rounds); a ratio is the median (range) of per-round ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
