"""threadtree on PostgreSQL against a bare schema written by hand with psycopg (issue 20's
measures on the second engine).

    python benchmarks/bare_postgres.py              # starts a throwaway server (about 2-3 min)
    python benchmarks/bare_postgres.py --quick      # a tenth of the sizes: a smoke run
    python benchmarks/bare_postgres.py --url postgresql://me@/db?host=/run/postgresql

The bare side is bare.py's schema on PostgreSQL: an entries table keyed (thread_id, id) whose
parent must be in the same thread (a composite foreign key) and older (a CHECK), items as JSON
text, ids from a sequence, and the thread's leaf pointer and updated_at moved in the same
transaction as the insert, the thread's row locked first (SELECT ... FOR UPDATE), as writers on
one thread must. psycopg's defaults (server-side binding, statements prepared after 5 runs).
No leaf history, no leaves table, no depth, no source ids, no search words: whatever threadtree
spends on those shows in the ratios. threadtree is measured as it is.

Both sides get bare.py's messages, in one process, rounds rotating the sides. At FULL both
commit with synchronous_commit=on (durable), at NORMAL with it off (threadtree.open's mapping).
Each side gets a schema of its own on the same server. Figures are medians with the range over
rounds; a ratio is the median of the per-round ratios (range in brackets). Both schemas are
ANALYZEd once their chain is built, as autovacuum would have done. Bytes per message: what every
table and index of the side's schema (pg_total_relation_size, after VACUUM) grew by, per message.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

# This folder holds agents.py, named like the Agents SDK's package: keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != Path(__file__).resolve().parent]

import orjson  # noqa: E402
import psycopg  # noqa: E402

import threadtree  # noqa: E402


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_core, _bare, _postgres = _load("core"), _load("bare"), _load("postgres")
alternate, messages = _core.alternate, _core.messages
spread, ratio = _bare.spread, _bare.ratio

SCHEMA = """
create sequence entries_id_seq as bigint;
create table threads (
  id text primary key,
  leaf_id bigint,
  updated_at double precision not null
);
create table entries (
  id bigint not null default nextval('entries_id_seq'),
  thread_id text not null references threads (id),
  parent_id bigint,
  role text not null,
  content text not null,
  item text,
  created_at double precision not null,
  primary key (thread_id, id),
  check (parent_id is null or parent_id < id),
  foreign key (thread_id, parent_id) references entries (thread_id, id)
);
alter table threads add foreign key (id, leaf_id) references entries (thread_id, id);
"""

INSERT = (
    "insert into entries (thread_id, parent_id, role, content, item, created_at) "
    "values (%s, %s, %s, %s, %s, %s) returning id"
)
MOVE = "update threads set leaf_id = %s, updated_at = %s where id = %s"

PATH = """
with recursive chain (id, parent_id) as (
  select id, parent_id from entries where thread_id = %(tid)s and id = %(leaf)s
  union all
  select e.id, e.parent_id from chain join entries as e on e.thread_id = %(tid)s and e.id = chain.parent_id
)
select e.id, e.parent_id, e.role, e.content, e.item, e.created_at
from chain join entries as e on e.thread_id = %(tid)s and e.id = chain.id
"""


class Bare:
    """The bare schema, by hand: psycopg and orjson only."""

    def __init__(self, url: str, synchronous: str) -> None:
        self.conn = psycopg.connect(url)
        self.conn.execute(f"set synchronous_commit = {'on' if synchronous == 'FULL' else 'off'}")
        self.conn.commit()

    def setup(self) -> None:
        self.conn.execute(SCHEMA)
        self.conn.commit()

    def create_thread(self, tid: str) -> None:
        self.conn.execute("insert into threads (id, updated_at) values (%s, %s)", (tid, time.time()))
        self.conn.commit()

    def _insert(self, tid: str, parent: int | None, msgs: list[dict]) -> int:
        now, dumps, cur = time.time(), orjson.dumps, self.conn.cursor()
        for m in msgs:
            item = m.get("item")
            text = None if item is None else dumps(item).decode()
            cur.execute(INSERT, (tid, parent, m["role"], m["content"], text, now))
            parent = cur.fetchone()[0]
        cur.execute(MOVE, (parent, now, tid))
        return parent

    def extend(self, tid: str, msgs: list[dict]) -> int:
        leaf = self.conn.execute("select leaf_id from threads where id = %s for update", (tid,)).fetchone()[0]
        new = self._insert(tid, leaf, msgs)
        self.conn.commit()
        return new

    def append(self, tid: str, msg: dict) -> int:
        return self.extend(tid, [msg])

    def fork(self, tid: str, entry_id: int, msg: dict) -> int:
        self.conn.execute("select 1 from threads where id = %s for update", (tid,))
        new = self._insert(tid, entry_id, [msg])
        self.conn.commit()
        return new

    def rewind(self, tid: str, entry_id: int) -> None:
        self.conn.execute(MOVE, (entry_id, time.time(), tid))
        self.conn.commit()

    def path(self, tid: str) -> list[tuple]:
        """The live path root first, items decoded (one read transaction)."""
        leaf = self.conn.execute("select leaf_id from threads where id = %s", (tid,)).fetchone()[0]
        rows = self.conn.execute(PATH, {"tid": tid, "leaf": leaf}).fetchall()
        self.conn.commit()
        rows.reverse()
        loads = orjson.loads
        return [(*r[:4], None if r[4] is None else loads(r[4]), r[5]) for r in rows]


def schema_bytes(url: str) -> int:
    """Every table and index of the connection's schema, after VACUUM (dead rows reclaimed)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum")
        return conn.execute(
            "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class as c "
            "where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'm')"
        ).fetchone()[0]


def analyze(server_url: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        for name in _postgres.SCHEMAS:
            conn.execute(f"analyze {name}.entries")


def core_part(server_url: str, synchronous: str, quick: bool, rounds: int) -> list[tuple[str, ...]]:
    scale = 10 if quick else 1
    store = threadtree.open(_postgres.new_schema(server_url), synchronous=synchronous)
    bare_url = _postgres.new_schema(server_url)
    bare = Bare(bare_url, synchronous)
    bare.setup()
    rows = []

    chunk = 200 // scale
    msgs = messages(chunk)
    store.create_thread(thread_id="append")
    bare.create_thread("append")
    gc.collect()
    t = alternate(
        rounds,
        lambda: [store.append("append", m["role"], m["content"], item=m["item"]) for m in msgs],
        lambda: [bare.append("append", m) for m in msgs],
    )
    rows.append((f"append, {synchronous}", spread([x / chunk for x in t.times[0]], 1e6, ",.0f") + " us",
                 spread([x / chunk for x in t.times[1]], 1e6, ",.0f") + " us", ratio(t, 0, 1),
                 "SQLite's: <= 2.5x" if synchronous == "NORMAL" else "SQLite's: <= 1.5x"))

    deep = 10_000 // scale
    chain = messages(deep)
    store.create_thread(thread_id="deep")
    tt_leaf = store.extend("deep", chain)[-1].id
    bare.create_thread("deep")
    bare_leaf = bare.extend("deep", chain)
    analyze(server_url)  # as autovacuum would have by now: plans made with the tables' statistics
    tt_mid = store.path("deep")[deep // 2].id
    bare_mid = bare.path("deep")[deep // 2][0]
    one, forks = msgs[0], 50 // scale
    gc.collect()
    t = alternate(
        rounds,
        lambda: [store.fork(tt_mid, "user", one["content"], item=one["item"]) for _ in range(forks)],
        lambda: [bare.fork("deep", bare_mid, one) for _ in range(forks)],
    )
    rows.append((f"fork, {synchronous}", spread([x / forks for x in t.times[0]], 1e6, ",.0f") + " us",
                 spread([x / forks for x in t.times[1]], 1e6, ",.0f") + " us", ratio(t, 0, 1), "SQLite's: <= 2x"))

    store.rewind("deep", tt_leaf)
    bare.rewind("deep", bare_leaf)
    assert len(store.path("deep")) == len(bare.path("deep")) == deep
    gc.collect()
    t = alternate(rounds * 2 + 1, lambda: store.path("deep"), lambda: bare.path("deep"))
    rows.append((f"path at depth {deep:,}, {synchronous}", spread(t.times[0], 1e3, ",.1f") + " ms",
                 spread(t.times[1], 1e3, ",.1f") + " ms", ratio(t, 0, 1), "SQLite's: <= 1.5x"))
    store.close()
    bare.conn.close()

    if synchronous == "NORMAL":
        n = 5_000 // scale
        sized = messages(n)
        tt_url = _postgres.new_schema(server_url)
        with threadtree.open(tt_url, synchronous="NORMAL") as s:
            s.create_thread(thread_id="bytes")
            tt_empty = schema_bytes(tt_url)
            for m in sized:
                s.append("bytes", m["role"], m["content"], item=m["item"])
        bytes_url = _postgres.new_schema(server_url)
        b = Bare(bytes_url, "NORMAL")
        b.setup()
        b.create_thread("bytes")
        bare_empty = schema_bytes(bytes_url)
        for m in sized:
            b.append("bytes", m)
        b.conn.close()
        tt_bytes, bare_bytes = schema_bytes(tt_url) - tt_empty, schema_bytes(bytes_url) - bare_empty
        rows.append((f"bytes per message ({n:,} appends)", f"{tt_bytes / n:,.0f} B", f"{bare_bytes / n:,.0f} B",
                     f"{tt_bytes / bare_bytes:.2f}x", "SQLite's: <= 1.3x"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL server to use (default: start a throwaway one)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes: a smoke run")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per measure (default 7)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="threadtree-bare-pg-") as tmp:
        Path(tmp).chmod(0o755)  # the server's user (nobody, under root) goes through it to its own
        server = None if args.url else _postgres.Server(Path(tmp) / "pg")
        url = args.url or server.url
        try:
            print(f"threadtree {threadtree.__version__}, psycopg {psycopg.__version__}, Python "
                  f"{sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
            print(_postgres.server_facts(url))
            rows: list[tuple[str, ...]] = []
            for mode in ("NORMAL", "FULL"):
                rows += core_part(url, mode, args.quick, args.rounds)
        finally:
            if server is not None:
                server.stop()
            else:
                with psycopg.connect(url, autocommit=True) as conn:
                    for name in _postgres.SCHEMAS:
                        conn.execute(f"drop schema {name} cascade")
    header = ("measure", "threadtree", "bare schema", "ratio", "target")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\n(total {time.perf_counter() - started:.0f} s, load average {os.getloadavg()[0]:.1f} at the end. "
          "Medians (range over rounds); a ratio is the median (range) of per-round ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
