"""Writers killed with SIGKILL at random moments: nothing acknowledged is lost, nothing is damaged.

Each trial starts 2-3 worker processes (``workers.py mix``, forked by ``workers.py forkserver``
so that a trial does not pay for starting Python and importing threadtree) on one file. They
write a random mix (appends and extends to shared threads, forks from and rewinds to earlier
entries, new threads), announcing each call before making it and reporting what it returned as
soon as it returned; the test kills each with SIGKILL after its own random delay (some within
the first milliseconds, most mid-stream, so mid-transaction or mid-commit). Then it opens the
file:

* every reported write is there, as reported (thread, parent, content);
* whatever is there and was not reported is the call each worker had in flight (a commit
  that happened but whose return the kill prevented: expected, never more than one a worker);
* the trees are whole (``check()`` is empty, ``integrity_check`` is ok) and hold no fork
  nobody asked for: a parent has a second child only where a worker forked from it or
  rewound to it (an append that read the leaf outside the write lock would fork silently);
* the file keeps working: an append goes under the current leaf.

All trials share one file, so later workers also recover what earlier kills left behind (a
WAL still holding frames). The randomness is seeded (``THREADTREE_CRASH_SEED`` overrides
the seed); every assertion message names the seed and the trial.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import apsw
import pytest

import threadtree

WORKER = Path(__file__).with_name("workers.py")
SEED = int(os.environ.get("THREADTREE_CRASH_SEED", "20240906"))
TRIALS = 24
SHARED = ["s0", "s1", "s2"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork() and SIGKILL")


class _ForkServer:
    """``workers.py forkserver``: starts each worker by a fork, threadtree already imported."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "forkserver"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready", self.proc.stderr.read()
        self.proc.stdin.write("go\n")
        self.live: set[int] = set()

    def ask(self, *words: object) -> str:
        self.proc.stdin.write(" ".join(map(str, words)) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        assert answer, f"the fork server stopped: {self.proc.stderr.read()}"
        return answer

    def close(self) -> None:
        for pid in self.live:  # only after a failure: kill and reap what is left
            os.kill(pid, signal.SIGKILL)
            self.ask("wait", pid)
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()


class _Worker:
    """A forked ``mix`` worker writing its reports to ``out``.out (and errors to .err)."""

    def __init__(self, server: _ForkServer, out: Path, db: Path, seed: int, name: str) -> None:
        assert not any(c.isspace() for c in f"{out}{db}"), "the fork server splits on spaces"
        self.server, self.out, self.name = server, out, name
        self.pid = int(server.ask("mix", out, db, seed, name, ",".join(SHARED)))
        server.live.add(self.pid)

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)  # a worker that ended is a zombie until reaped: harmless

    def finish(self) -> tuple[int, str]:
        """(exit code, stderr) once it is gone."""
        code = int(self.server.ask("wait", self.pid))
        self.server.live.discard(self.pid)
        return code, Path(f"{self.out}.err").read_text()

    def records(self) -> tuple[dict[int, dict], dict[int, dict]]:
        """(wants, dones) by call number. A line cut short by the kill is not a report."""
        wants: dict[int, dict] = {}
        dones: dict[int, dict] = {}
        for line in Path(f"{self.out}.out").read_text().splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            tag, _, body = line.partition(" ")
            record = json.loads(body)
            (wants if tag == "want" else dones)[record["seq"]] = record
        return wants, dones


class _Ledger:
    """What the workers acknowledged over all trials, and the branches they asked for."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[str, int | None, str]] = {}  # id -> (thread, parent, content)
        self.threads: set[str] = set(SHARED)
        self.branches: Counter[tuple[str, int | None]] = Counter()  # forks from / rewinds to
        self.unreported = 0  # commits found in the file that no worker lived to report

    def add(self, worker: _Worker, where: str) -> dict[str, dict]:
        """Record a killed worker's reports; return the call it had in flight (by op), if any."""
        wants, dones = worker.records()
        for seq, done in dones.items():
            want = wants[seq]
            for id_, tid, parent, content in done.get("entries", ()):
                self.entries[id_] = (tid, parent, content)
            if want["op"] == "fork":
                assert done["entries"][0][2] == want["parent"], f"{where}: a fork went astray: {want} {done}"
            if wants[seq]["op"] == "create":
                self.threads.add(wants[seq]["thread"])
        pending = [wants[seq] for seq in wants if seq not in dones]
        assert len(pending) <= 1, f"{where}: {worker.name} has several calls in flight: {pending}"
        for want in wants.values():  # acknowledged or in flight: either may have committed
            if want["op"] == "fork":
                self.branches[want["thread"], want["parent"]] += 1
            elif want["op"] == "rewind":
                self.branches[want["thread"], want["to"]] += 1
        return {worker.name: pending[0]} if pending else {}


def _kill_delay(rng: random.Random) -> float:
    """Seconds after the start: a few kills land before or during the first writes, most
    mid-stream."""
    bucket = rng.random()
    if bucket < 0.25:
        return rng.uniform(0, 0.01)
    if bucket < 0.75:
        return rng.uniform(0.01, 0.15)
    return rng.uniform(0.15, 0.4)


def _run_and_kill(server: _ForkServer, folder: Path, db: Path, rng: random.Random, trial: int) -> list[_Worker]:
    """Start 2-3 workers on ``db``; SIGKILL each after its own random delay."""
    count = rng.choice((2, 3))
    seeds = [rng.randrange(2**32) for _ in range(count)]
    delays = sorted((_kill_delay(rng), n) for n in range(count))
    started = time.monotonic()
    workers = [_Worker(server, folder / f"t{trial}w{n}", db, seed, f"t{trial}w{n}") for n, seed in enumerate(seeds)]
    for delay, n in delays:
        time.sleep(max(0.0, started + delay - time.monotonic()))
        workers[n].kill()
    return workers


def _verify(db: Path, ledger: _Ledger, in_flight: dict[str, dict], where: str) -> None:
    raw = apsw.Connection(str(db))
    try:
        assert raw.pragma("integrity_check") == "ok", where
    finally:
        raw.close()
    with threadtree.open(db) as store:
        assert store.check() == [], where
        threads = {t.id: t for t in store.list_threads(limit=None, include_archived=True)}
        found = {e.id: e for tid in threads for e in store.entries(tid)}

        missing_threads = ledger.threads - threads.keys()
        assert not missing_threads, f"{where}: acknowledged threads lost: {missing_threads}"
        for tid in threads.keys() - ledger.threads:  # created by a call in flight
            assert any(w["op"] == "create" and w["thread"] == tid for w in in_flight.values()), (
                f"{where}: thread {tid!r} was never asked for"
            )
            ledger.threads.add(tid)

        for id_, (tid, parent, content) in ledger.entries.items():
            entry = found.get(id_)
            assert entry is not None, f"{where}: acknowledged entry {id_} ({content!r}) lost"
            assert (entry.thread_id, entry.parent_id, entry.content) == (tid, parent, content), (
                f"{where}: entry {id_} is {entry}, acknowledged as {(tid, parent, content)}"
            )
        written: Counter[str] = Counter()  # entries of each call in flight
        for id_ in sorted(found.keys() - ledger.entries.keys()):
            entry = found[id_]
            name, seq = entry.content.split("-")[:2]
            want = in_flight.get(name)
            assert want is not None and want["seq"] == int(seq) and want["op"] in ("append", "extend", "fork"), (
                f"{where}: entry {entry} was written by no call in flight ({in_flight})"
            )
            assert entry.thread_id == want["thread"], f"{where}: {entry} is in the wrong thread ({want})"
            if want["op"] == "fork":
                assert entry.parent_id == want["parent"], f"{where}: {entry} is not the fork asked for ({want})"
            ledger.entries[id_] = (entry.thread_id, entry.parent_id, entry.content)
            written[name] += 1
        for name, count in written.items():  # a call is all or nothing
            want = in_flight[name]
            assert count == want.get("count", 1), f"{where}: {count} entries of {want} were written"
        ledger.unreported += len(written)

        children: dict[tuple[str, int | None], int] = defaultdict(int)
        for entry in found.values():
            children[entry.thread_id, entry.parent_id] += 1
        for (tid, parent), count in children.items():
            assert count - 1 <= ledger.branches[tid, parent], (
                f"{where}: entry {parent} of thread {tid!r} has {count} children but only "
                f"{ledger.branches[tid, parent]} forks from it or rewinds to it were asked for"
            )

        # The file keeps working after the crash: an append lands under the current leaf.
        for tid in SHARED:
            leaf = store.get_thread(tid).current_leaf_id
            entry = store.append(tid, "user", f"after-{where}")
            assert entry.parent_id == leaf, where
            ledger.entries[entry.id] = (tid, leaf, entry.content)


@pytest.mark.slow
def test_writers_killed_at_random_moments_lose_nothing_acknowledged_and_fork_nothing(tmp_path, db_path):
    rng = random.Random(SEED)
    with threadtree.open(db_path) as store:
        for tid in SHARED:
            store.create_thread(tid, thread_id=tid)
    ledger = _Ledger()
    acknowledged_per_trial = []
    server = _ForkServer()
    try:
        for trial in range(TRIALS):
            where = f"seed {SEED}, trial {trial}"
            workers = _run_and_kill(server, tmp_path, db_path, rng, trial)
            in_flight: dict[str, dict] = {}
            before = len(ledger.entries)
            for worker in workers:
                code, err = worker.finish()
                assert code == -signal.SIGKILL, f"{where}: {worker.name} ended by itself ({code}):\n{err}"
                assert err == "", f"{where}: {worker.name}:\n{err}"
                in_flight |= ledger.add(worker, where)
            acknowledged_per_trial.append(len(ledger.entries) - before)
            _verify(db_path, ledger, in_flight, where)
    finally:
        server.close()
    # The kills landed mid-stream, not only before the first write.
    assert sum(1 for n in acknowledged_per_trial if n > 0) >= TRIALS // 4, acknowledged_per_trial
    print(
        f"\n{TRIALS} trials, {len(ledger.entries)} entries acknowledged or found, "
        f"{ledger.unreported} calls committed but never reported, per trial {acknowledged_per_trial}"
    )


class TestTheChecksCanFail:
    """The verification above, shown catching what it looks for."""

    @staticmethod
    def _setup(db_path) -> tuple[_Ledger, list[threadtree.Entry]]:
        ledger = _Ledger()
        with threadtree.open(db_path) as store:
            for tid in SHARED:
                store.create_thread(tid, thread_id=tid)
            added = [store.append("s0", "user", "t0w0-0"), store.append("s0", "user", "t0w0-1")]
        for e in added:
            ledger.entries[e.id] = (e.thread_id, e.parent_id, e.content)
        return ledger, added

    def test_a_lost_acknowledged_entry(self, db_path):
        ledger, _ = self._setup(db_path)
        ledger.entries[999] = ("s0", None, "t0w1-0")
        with pytest.raises(AssertionError, match="acknowledged entry 999 .* lost"):
            _verify(db_path, ledger, {}, "control")

    def test_a_fork_nobody_asked_for(self, db_path):
        ledger, (root, _) = self._setup(db_path)
        with threadtree.open(db_path) as store:  # what a lost update would leave: a 2nd child
            second = store.append("s0", "user", "t0w1-0", parent_id=root.id)
        ledger.entries[second.id] = ("s0", root.id, "t0w1-0")
        with pytest.raises(AssertionError, match="2 children but only 0 forks"):
            _verify(db_path, ledger, {}, "control")
        ledger.branches["s0", root.id] += 1  # had a worker forked from it, all is well
        _verify(db_path, ledger, {}, "control")

    def test_an_entry_no_call_in_flight_wrote(self, db_path):
        ledger, _ = self._setup(db_path)
        with threadtree.open(db_path) as store:
            store.append("s1", "user", "t0w2-7")
        with pytest.raises(AssertionError, match="written by no call in flight"):
            _verify(db_path, ledger, {"t0w2": {"seq": 6, "op": "append", "thread": "s1"}}, "control")

    def test_half_a_call_in_flight(self, db_path):
        ledger, _ = self._setup(db_path)
        with threadtree.open(db_path) as store:
            store.extend("s1", [{"role": "user", "content": f"t0w2-7-{k}"} for k in range(2)])
        want = {"seq": 7, "op": "extend", "thread": "s1", "count": 3}
        with pytest.raises(AssertionError, match="2 entries of .* were written"):
            _verify(db_path, ledger, {"t0w2": want}, "control")
        _verify(db_path, ledger, {"t0w2": want | {"count": 2}}, "control")
