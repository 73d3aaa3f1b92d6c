"""Navigation benchmark: search, the cost of keeping its index, branch points and switch.

    python benchmarks/navigation.py              # 1,000,000 entries (about 5-10 min to build)
    python benchmarks/navigation.py --quick      # 20,000 entries, a smoke run
    python benchmarks/navigation.py --db postgresql://...   # and PostgreSQL's search beside it

Targets (issue 18), each against a baseline measured in the same run:
- search for a phrase over 1,000,000 entries of realistic text: under 50 ms median (the
  baseline: the bare FTS5 query over the same index, rowids only, by hand with apsw);
- keeping the index costs an append at most 20 % (the baseline: the same file with the
  index's triggers dropped, blocks of 256 appends alternating round by round: each block
  holds one batch of the index, see migration 0010);
- branch_points of a 10,000-entry path within 2x of path;
- switch independent of depth (a branch point at depth 10 against one at depth 10,000).

The text is made of words drawn with Zipf's law (a few hundred English words first, then
made-up rarer ones), 10 to 120 words an entry; one entry in 5,000 holds "grilled sardines".
With ``--db`` (a PostgreSQL database the benchmark may create schemas in, dropped at its end),
the same entries are written there too, and PostgreSQL's search is measured against SQLite's
over the same text in the same run, and its append against a schema whose search column is
dropped (no issue target: figures for the README).
Times are medians; a ratio is the median of per-round ratios (each round runs both sides
back to back), so a slow spell of a shared machine weighs on both sides of it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import apsw

import threadtree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core import alternate  # noqa: E402  (rounds in rotating order, as the core benchmark runs them)

COMMON = (
    "the of and to a in is it you that he was for on are with as I his they be at one have this from "
    "or had by hot word but what some we can out other were all there when up use your how said an each "
    "she which do their time if will way about many then them write would like so these her long make "
    "thing see him two has look more day could go come did number sound no most people my over know "
    "water than call first who may down side been now find any new work part take get place made live "
    "where after back little only round man year came show every good me give our under name very "
    "through just form sentence great think say help low line differ turn cause much mean before move "
    "right boy old too same tell does set three want air well also play small end put home read hand "
    "port large spell add even land here must big high such follow act why ask men change went light "
    "kind off need house picture try us again animal point mother world near build self earth father"
).split()
PHRASE = "grilled sardines"


def vocabulary(rng: random.Random, size: int) -> tuple[list[str], list[float]]:
    """Words and cumulative Zipf weights: the common words first, then made-up ones."""
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]
    made = set()
    while len(made) < size - len(COMMON):
        made.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    words = COMMON + sorted(made)
    return words, list(itertools.accumulate(1 / (rank + 1) ** 1.07 for rank in range(len(words))))


class Text:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, self.weights = vocabulary(self.rng, 30_000)
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        words = self.rng.choices(self.words, cum_weights=self.weights, k=self.rng.randint(10, 120))
        if self.count % 5_000 == 0:
            words.insert(len(words) // 2, PHRASE)
        return " ".join(words).capitalize() + "."


def build(store: threadtree.Store, entries: int, text: Text) -> None:
    """Threads of 2,000 entries: a chain of 1,000 and a second branch of 1,000 from its middle."""
    per_thread, made = 2_000, 0
    while made < entries:
        thread = store.create_thread(f"thread {made // per_thread}")
        half = min(per_thread, entries - made) // 2 or 1
        chain = store.extend(thread.id, [{"role": "user" if k % 2 else "assistant", "content": text()}
                                         for k in range(half)])
        made += len(chain)
        if made < entries:
            rest = min(half, entries - made)
            store.extend(thread.id, [{"role": "assistant", "content": text()} for _ in range(rest)],
                         parent_id=chain[len(chain) // 2].id)
            made += rest


def row(name: str, value: str, baseline: str, ratio: str, target: str) -> tuple[str, ...]:
    return (name, value, baseline, ratio, target)


def search_rows(db: Path, entries: int, rounds: int) -> list[tuple[str, ...]]:
    rows = []
    raw = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    bare = "select rowid from entries_search where entries_search match ? order by rank limit 20"
    with threadtree.open(db) as store:
        for label, query, fts in (
            (f'phrase "{PHRASE}" (rare)', f'"{PHRASE}"', f'"{PHRASE}"'),
            ('phrase "of the" (common words)', '"of the"', '"of the"'),
            ("two words: water house", "water house", '"water" "house"'),
        ):
            found = len(raw.execute("select rowid from entries_search where entries_search match ?",
                                    (fts,)).fetchall())
            t = alternate(rounds, lambda q=query: store.search(q), lambda f=fts: raw.execute(bare, (f,)).fetchall())
            rows.append(row(f"search {label}, {found:,} match", f"{t.median(0) * 1000:,.1f} ms",
                            f"{t.median(1) * 1000:,.1f} ms", f"{t.ratio(0, 1):.2f}x",
                            "< 50 ms" if entries >= 1_000_000 and "rare" in label else ""))
    raw.close()
    return rows


# Appends are timed in blocks of one batch of the index (migration 0010's trigger indexes the
# pending entries at every 256th): a block holds exactly one batch, so its time carries the
# batch's cost, which the median of single appends would leave out.
BATCH = 256


def append_rows(db: Path, workdir: Path, rounds: int, text: Text) -> list[tuple[str, ...]]:
    """Appends to the indexed file and to a copy of it whose index triggers are dropped, a
    block of BATCH appends a side in each round."""
    bare = workdir / "no-index.db"
    shutil.copyfile(db, bare)
    conn = apsw.Connection(str(bare))
    for (trigger,) in conn.execute("select name from sqlite_schema where type = 'trigger' and name like 'entries_search%'"
                                   ).fetchall():
        conn.execute(f"drop trigger {trigger}")
    conn.close()
    rows = []
    contents = [text() for _ in range(BATCH)]
    for mode in ("FULL", "NORMAL"):
        with threadtree.open(db, synchronous=mode) as indexed, threadtree.open(bare, synchronous=mode) as plain:
            tid = indexed.list_threads(limit=1)[0].id
            t = alternate(rounds, lambda: [indexed.append(tid, "user", c) for c in contents],
                          lambda: [plain.append(tid, "user", c) for c in contents])
        rows.append(row(f"append (synchronous={mode}), index kept", f"{t.median(0) / BATCH * 1e6:,.0f} us",
                        f"{t.median(1) / BATCH * 1e6:,.0f} us", f"{t.ratio(0, 1):.2f}x", "<= 1.2x"))
    return rows


def postgres_rows(url: str, db: Path, entries: int, rounds: int) -> list[tuple[str, ...]]:
    """PostgreSQL's search (the same entries, from the same seed) against SQLite's, and its
    append against a schema without the search column, each in a schema of its own."""
    import uuid
    from urllib.parse import quote

    import psycopg

    def in_schema(name: str) -> str:
        return f"{url}{'&' if '?' in url else '?'}options={quote(f'-c search_path={name}', safe='')}"

    names = [f"tt_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = psycopg.connect(url, autocommit=True)
    for name in names:
        admin.execute(f"create schema {name}")
    try:
        indexed, bare = (threadtree.open(in_schema(name)) for name in names)
        started = time.perf_counter()
        build(indexed, entries, Text(18))
        print(f"built {entries:,} entries on PostgreSQL in {time.perf_counter() - started:.0f} s")
        admin.execute(f"vacuum analyze {names[0]}.entries")
        admin.execute(f"alter table {names[1]}.entries drop column search_words")
        rows = []
        with threadtree.open(db, readonly=True) as sqlite:
            for label, query in ((f'phrase "{PHRASE}" (rare)', f'"{PHRASE}"'), ('phrase "of the" (common words)', '"of the"'),
                                 ("two words: water house", "water house")):
                t = alternate(rounds, lambda q=query: indexed.search(q), lambda q=query: sqlite.search(q))
                rows.append(row(f"PostgreSQL search {label}", f"{t.median(0) * 1000:,.1f} ms",
                                f"{t.median(1) * 1000:,.1f} ms (SQLite)", f"{t.ratio(0, 1):.2f}x", ""))
        text = Text(5)
        contents = [text() for _ in range(rounds * 10)]
        tids = [store.create_thread().id for store in (indexed, bare)]
        k = itertools.count()
        t = alternate(rounds * 10, lambda: indexed.append(tids[0], "user", contents[next(k) % len(contents)]),
                      lambda: bare.append(tids[1], "user", contents[next(k) % len(contents)]))
        rows.append(row("PostgreSQL append, search words kept", f"{t.median(0) * 1e6:,.0f} us",
                        f"{t.median(1) * 1e6:,.0f} us (no column)", f"{t.ratio(0, 1):.2f}x", ""))
        indexed.close()
        bare.close()
        return rows
    finally:
        for name in names:
            admin.execute(f"drop schema {name} cascade")
        admin.close()


def tree_rows(workdir: Path, depth: int, rounds: int, text: Text) -> list[tuple[str, ...]]:
    """branch_points against path on a deep path with a sibling every 10 entries; switch
    between two branches at depth 10 and at ``depth``."""
    with threadtree.open(workdir / "deep.db", synchronous="NORMAL") as store:
        tid = store.create_thread("deep").id
        chain = store.extend(tid, [{"role": "user", "content": text()} for _ in range(depth)])
        for entry in chain[9:-1:10]:
            store.fork(entry.id, "assistant", text())
        store.rewind(tid, chain[-1].id)
        t = alternate(rounds, lambda: store.branch_points(tid), lambda: store.path(tid))
        rows = [row(f"branch_points, {depth:,}-entry path", f"{t.median(0) * 1000:,.1f} ms",
                    f"{t.median(1) * 1000:,.1f} ms", f"{t.ratio(0, 1):.2f}x", "<= 2x (of path)")]
        # Two alternatives of 5 entries at each depth; each switch goes to the other one.
        pairs = []
        for at in (chain[8], chain[-2]):
            branches = [store.extend(tid, [{"role": "assistant", "content": text()} for _ in range(5)],
                                     parent_id=at.id) for _ in range(2)]
            pairs.append(itertools.cycle([branches[0][0].id, branches[1][0].id]))
        t = alternate(rounds, lambda: store.switch(next(pairs[0])), lambda: store.switch(next(pairs[1])))
        rows.append(row(f"switch at depth 10 vs {depth - 1:,}", f"{t.median(0) * 1e6:,.0f} us",
                        f"{t.median(1) * 1e6:,.0f} us", f"{t.ratio(1, 0):.2f}x", "~1x (deep / shallow)"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 entries, fewer rounds: a smoke run")
    parser.add_argument("--entries", type=int, help="entries to search over (default 1,000,000)")
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL database to measure its search in too")
    args = parser.parse_args(argv)
    entries = args.entries or (20_000 if args.quick else 1_000_000)
    rounds, depth = (7, 1_000) if args.quick else (31, 10_000)
    print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, "
          f"Python {sys.version.split()[0]}")
    started = time.perf_counter()
    text = Text(18)
    with tempfile.TemporaryDirectory(prefix="threadtree-nav-") as folder:
        workdir = Path(folder)
        db = workdir / "search.db"
        with threadtree.open(db, synchronous="NORMAL") as store:
            build(store, entries, text)
        built = time.perf_counter() - started
        print(f"built {entries:,} entries in {built:.0f} s ({db.stat().st_size / 2**20:,.0f} MiB)\n")
        rows = [row("measure", "threadtree", "baseline", "ratio", "target")]
        rows += search_rows(db, entries, rounds)
        rows += append_rows(db, workdir, max(5, rounds // 3), text)
        rows += tree_rows(workdir, depth, rounds, text)
        if args.db:
            rows += postgres_rows(args.db, db, entries, rounds)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    rows.insert(1, tuple("-" * w for w in widths))
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())
    print(f"\n(total {time.perf_counter() - started:.0f} s. Baselines: search, the bare FTS5 query by hand "
          "(rowids only); append, the same file without the index's triggers; branch_points, path; "
          "switch, the same switch at depth 10.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
