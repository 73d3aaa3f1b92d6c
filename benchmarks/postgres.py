"""PostgreSQL against SQLite: the same Store calls on both engines, in the same run (issue 17).

    python benchmarks/postgres.py                  # starts a throwaway server (about 2-4 min)
    python benchmarks/postgres.py --quick          # a smoke run (tests/test_benchmarks.py)
    python benchmarks/postgres.py --url postgresql://me@/db?host=/run/postgresql

Durable commits on both sides: SQLite at synchronous=FULL, PostgreSQL with synchronous_commit=on
(threadtree.open's default "FULL") on a cluster with fsync on. Without --url the script makes
its own cluster as .ci/run does (initdb in a temporary folder, a Unix socket only, as `nobody`
when run as root), but without --no-sync: the server flushes as a real one does. Each engine
gets a fresh database (an SQLite file in the temporary folder, a schema of its own).

Single writer: rounds alternate between the engines, so the noise of a shared machine falls on
both; figures are medians per call. Targets: PostgreSQL within 3x of SQLite per call for writes
(append, fork) and 2x for reads (path, leaves); fork flat in depth (depth 10,000 / depth 10).
Writer processes: 8 processes on 8 threads (SQLite has one writer at a time in the file,
PostgreSQL locks one thread row): total appends a second, at least 2x SQLite's, and p99 append
under 50 ms; 8 processes on one thread with compare-and-set: nothing lost, nothing duplicated,
one chain, p99 reported. Copy: threadtree.copy_database of a 100,000-entry file to PostgreSQL
and back, rows a second each way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import threadtree
from threadtree.store import database_of

CONTENT = "The quick brown fox jumps over the lazy dog. " * 4  # ~180 characters


# -- the server --


class Server:
    """A throwaway PostgreSQL cluster on a Unix socket in a temporary folder (fsync on)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.bin = _pg_bin()
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(self.folder, "nobody")
        self._as_pg(
            f"'{self.bin}/initdb' -D '{folder}/data' -A trust -U threadtree -E UTF8 >'{folder}/initdb.log' 2>&1"
        )
        options = f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c max_connections=50"
        self._as_pg(
            f"'{self.bin}/pg_ctl' -D '{folder}/data' -l '{folder}/server.log' -w -o \"{options}\" start >/dev/null"
        )
        self.url = f"postgresql://threadtree@/postgres?host={folder}"

    def _as_pg(self, command: str) -> None:
        if os.getuid() == 0:
            subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", command], check=True)
        else:
            subprocess.run(["sh", "-c", command], check=True)

    def stop(self) -> None:
        self._as_pg(f"'{self.bin}/pg_ctl' -D '{self.folder}/data' -m fast stop >/dev/null")


def _pg_bin() -> str:
    found = shutil.which("initdb")
    if found:
        return str(Path(found).parent)
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        sys.exit("no PostgreSQL server found: install it (apt-get install postgresql) or pass --url")
    return str(versions[-1].parent)


SCHEMAS: list[str] = []  # made on a server given by --url: dropped at the end


def new_schema(server_url: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"create schema {name}")
    SCHEMAS.append(name)
    option = quote(f"-c search_path={name}", safe="")
    return f"{server_url}{'&' if '?' in server_url else '?'}options={option}"


def server_facts(server_url: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        version = conn.execute("show server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "select name, setting from pg_settings where name in"
                " ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'shared_buffers')"
            ).fetchall()
        )
        trips = []
        for _ in range(200):
            started = time.perf_counter()
            conn.execute("select 1").fetchone()
            trips.append(time.perf_counter() - started)
    shown = ", ".join(f"{k}={settings[k]}" for k in sorted(settings))
    return (
        f"PostgreSQL {version} ({shown}; threadtree's connections set synchronous_commit=on)\n"
        f"one round trip to the server (select 1): median {median_ms(trips):.3f} ms, p99 "
        f"{sorted(trips)[197] * 1000:.3f} ms"
    )


# -- single writer --


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def single_writer(targets: dict[str, str], quick: bool) -> dict[str, dict[str, float]]:
    """Per engine: the median ms of each call."""
    depth = 300 if quick else 10_000
    tips = 100 if quick else 1_000
    rounds, per_round = (3, 10) if quick else (7, 40)
    stores = {name: threadtree.open(target) for name, target in targets.items()}
    chains, bushes = {}, {}
    for name, store in stores.items():
        tid = store.create_thread(thread_id="chain").id
        for start in range(0, depth + 1, 1000):
            store.extend(tid, [{"role": "user", "content": CONTENT}] * min(1000, depth + 1 - start))
        path = store.path(tid)
        chains[name] = (tid, path[10].id, path[depth].id)
        bush = store.create_thread(thread_id="bush").id
        root = store.append(bush, "user", CONTENT).id
        for _ in range(tips):
            store.fork(root, "assistant", CONTENT)
        bushes[name] = bush
        store.create_thread(thread_id="appends")
    calls = {
        "append": lambda s, n: s.append("appends", "user", CONTENT),
        "fork at depth 10": lambda s, n: s.fork(chains[n][1], "assistant", CONTENT),
        f"fork at depth {depth:,}": lambda s, n: s.fork(chains[n][2], "assistant", CONTENT),
        f"path at depth {depth:,}": lambda s, n: s.path_to(chains[n][2]),
        f"leaves of {tips:,} tips": lambda s, n: s.leaves(bushes[n]),
    }
    times: dict[str, dict[str, list[float]]] = {name: {call: [] for call in calls} for name in stores}
    for _ in range(rounds):
        for call, run in calls.items():
            for name, store in stores.items():
                count = per_round if "path" not in call else 1
                for _ in range(count):
                    started = time.perf_counter()
                    run(store, name)
                    times[name][call].append(time.perf_counter() - started)
    for store in stores.values():
        store.close()
    return {name: {call: median_ms(t) for call, t in by_call.items()} for name, by_call in times.items()}


# -- writer processes --


def worker(target: str, thread_id: str, count: int, cas: bool) -> None:
    """``--worker``: append ``count`` entries to ``thread_id``; print each append's seconds and
    the ids written (compare-and-set: retried on a lost race, the retries inside the time)."""
    with threadtree.open(target, timeout=60) as store:
        engine = database_of(store).engine()
        backend = engine.connection.info.backend_pid if engine.features.name == "postgres" else None
        print(f"ready {backend or ''}", flush=True)
        sys.stdin.readline()
        latencies, ids, conflicts = [], [], 0
        cpu = time.process_time()
        for k in range(count):
            started = time.perf_counter()
            while True:
                leaf = store.get_thread(thread_id).current_leaf_id if cas else None
                try:
                    if cas:
                        entry = store.append(thread_id, "user", f"{k}", expected_leaf_id=leaf)
                    else:
                        entry = store.append(thread_id, "user", CONTENT)
                    break
                except threadtree.Conflict:
                    conflicts += 1
            latencies.append(time.perf_counter() - started)
            ids.append(entry.id)
        cpu = time.process_time() - cpu
        print(json.dumps({"latencies": latencies, "ids": ids, "conflicts": conflicts, "cpu": cpu}), flush=True)
        sys.stdin.readline()  # the server's session stays until its CPU time has been read


def _cpu_seconds(pid: int | None) -> float | None:
    """The CPU seconds (user and system) process ``pid`` has used, if /proc shows it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def writers(target: str, threads: list[str], count: int, cas: bool) -> dict:
    with threadtree.open(target) as store:
        for tid in set(threads):
            store.create_thread(thread_id=tid)
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", target, tid, str(count), "cas" if cas else "plain"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for tid in threads
    ]
    backends = []
    for proc in procs:
        word, _, pid = proc.stdout.readline().strip().partition(" ")
        assert word == "ready"
        backends.append(int(pid) if pid else None)
    before = [_cpu_seconds(pid) for pid in backends]
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.stdout.readline()) for proc in procs]
    wall = time.perf_counter() - started
    after = [_cpu_seconds(pid) for pid in backends]
    for proc in procs:
        proc.communicate("done\n", timeout=600)
    latencies = sorted(x for r in results for x in r["latencies"])
    ids = [i for r in results for i in r["ids"]]
    report = {
        "per_second": len(ids) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "conflicts": sum(r["conflicts"] for r in results),
        # CPU per append: the writer processes' own (Python, threadtree, the driver) and, for
        # a server on this machine, its sessions' (None where /proc does not show them)
        "client_cpu_ms": sum(r["cpu"] for r in results) / len(ids) * 1000,
        "server_cpu_ms": None,
    }
    if None not in before + after:
        report["server_cpu_ms"] = (sum(after) - sum(before)) / len(ids) * 1000
    if cas:
        with threadtree.open(target) as store:
            path = store.path(threads[0])
            report["lost_or_duplicated"] = sorted(ids) != [e.id for e in path]
            report["one_chain"] = len(store.leaves(threads[0])) == 1 and len(path) == len(ids)
    return report


# -- copy --


def copy_speed(folder: Path, server_url: str, entries: int) -> tuple[float, float, int]:
    source, back = folder / "copy-source.db", folder / "copy-back.db"
    with threadtree.open(source, synchronous="NORMAL") as store:
        for k in range(max(1, entries // 10_000)):
            tid = store.create_thread(thread_id=f"copy-{k}").id
            n = min(10_000, entries - k * 10_000)
            for start in range(0, n, 1000):
                store.extend(tid, [{"role": "user", "content": CONTENT, "item": {"k": start}}] * min(1000, n - start))
    speeds = []
    # Open stores are given, so that making the schema (a migration) is not timed.
    with threadtree.open(source) as a, threadtree.open(new_schema(server_url)) as pg, threadtree.open(back) as b:
        for src, dst in ((a, pg), (pg, b)):
            started = time.perf_counter()
            rows = sum(threadtree.copy_database(src, dst).values())
            speeds.append(rows / (time.perf_counter() - started))
    return speeds[0], speeds[1], rows


# -- the report --


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL server to use (default: start a throwaway one)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--worker", nargs=4, metavar=("TARGET", "THREAD", "N", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        target, tid, count, mode = args.worker
        worker(target, tid, int(count), mode == "cas")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="threadtree-pg-bench-"))
    folder.chmod(0o755)  # the server's user (nobody, under root) goes through it to its own
    server = None
    try:
        if args.url:
            server_url = args.url
        else:
            server = Server(folder / "pg")
            server_url = server.url
        print(server_facts(server_url))
        print(f"SQLite {__import__('apsw').sqlite_lib_version()} at synchronous=FULL, WAL; {os.cpu_count()} CPUs")
        print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        missed = []

        def target(ok: bool, text: str) -> str:
            if not ok:
                missed.append(text)
            return f"{'ok  ' if ok else 'MISS'} {text}"

        print("\nsingle writer: median ms per call")
        times = single_writer({"sqlite": str(folder / "single.db"), "postgres": new_schema(server_url)}, args.quick)
        print(f"  {'call':<24}{'SQLite':>10}{'PostgreSQL':>12}{'ratio':>8}")
        for call in times["sqlite"]:
            lite, pg = times["sqlite"][call], times["postgres"][call]
            limit = 3 if call.startswith(("append", "fork")) else 2
            print(
                f"  {call:<24}{lite:>10.3f}{pg:>12.3f}{pg / lite:>7.2f}x  "
                + target(pg / lite <= limit, f"within {limit}x")
            )
        forks = [c for c in times["postgres"] if c.startswith("fork")]
        for name in ("sqlite", "postgres"):
            flat = times[name][forks[1]] / times[name][forks[0]]
            print(
                f"  fork {forks[1][8:]} / depth 10, {name}: {flat:.2f}  " + target(flat < 1.5, "flat in depth (< 1.5)")
            )

        count = 10 if args.quick else 100
        print(f"\n8 writer processes on 8 threads, {count} appends each")
        many = {}
        for name, where in (("sqlite", str(folder / "many.db")), ("postgres", new_schema(server_url))):
            many[name] = writers(where, [f"w{k}" for k in range(8)], count, cas=False)
            r = many[name]
            at_server = "" if r["server_cpu_ms"] is None else f", server {r['server_cpu_ms']:.2f} ms"
            print(
                f"  {name:<10} {r['per_second']:>8.0f} appends/s  p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms"
                f"  (CPU per append: writer {r['client_cpu_ms']:.2f} ms{at_server})"
            )
        ratio = many["postgres"]["per_second"] / many["sqlite"]["per_second"]
        print(f"  throughput PostgreSQL / SQLite: {ratio:.2f}x  " + target(ratio >= 2, "at least 2x"))
        p99 = many["postgres"]["p99_ms"]
        print(f"  p99 append on PostgreSQL: {p99:.1f} ms  " + target(p99 < 50, "under 50 ms"))

        print(f"\n8 writer processes on one thread, compare-and-set, {count} appends each")
        for name, where in (("sqlite", str(folder / "one.db")), ("postgres", new_schema(server_url))):
            r = writers(where, ["race"] * 8, count, cas=True)
            clean = not r["lost_or_duplicated"] and r["one_chain"]
            print(
                f"  {name:<10} {r['per_second']:>8.0f} appends/s  p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms"
                f"  ({r['conflicts']} lost races retried)  " + target(clean, "nothing lost or duplicated, one chain")
            )

        entries = 2_000 if args.quick else 100_000
        to_pg, to_sqlite, rows = copy_speed(folder, server_url, entries)
        print(f"\ncopy_database of {entries:,} entries ({rows:,} rows)")
        print(f"  SQLite -> PostgreSQL {to_pg:>9,.0f} rows/s")
        print(f"  PostgreSQL -> SQLite {to_sqlite:>9,.0f} rows/s")
        print("\nload average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        print(f"{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else ""))
        return 0
    finally:
        if server is not None:
            server.stop()
        elif SCHEMAS:
            import psycopg

            with psycopg.connect(args.url, autocommit=True) as conn:
                for name in SCHEMAS:
                    conn.execute(f"drop schema {name} cascade")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
