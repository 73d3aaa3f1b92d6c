"""Simulated power cuts: with ``synchronous="FULL"`` no acknowledged write is ever lost.

A trial runs a random workload (appends, extends, forks, rewinds, new threads, checkpoints, so
the WAL is copied into the main file and reset again and again) through :class:`PowerVFS`,
which cuts the power at a random write or sync: the image left on "disk" is what was synced
plus a random subset of the unsynced writes, some torn. The image is copied to a new folder
and opened; it must be healthy (opens, ``integrity_check`` ok, ``check()`` empty) and hold
exactly the state after some prefix of the workload's calls that includes every call that
had returned before the cut (the call in flight may or may not be there).

The same harness with ``synchronous=OFF`` is the negative control: it must catch damage or
lost writes in a good share of trials, which shows the harness can see them.
``synchronous="NORMAL"`` may lose the last acknowledged writes on power loss (that is its
documented trade-off) but must never damage the file.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections import Counter
from pathlib import Path

import apsw
import attrs
import pytest

import threadtree
from threadtree import SchemaError, ThreadTreeError

from .powervfs import PowerVFS
from .helpers import raw_conn

SEED = int(os.environ.get("THREADTREE_POWERLOSS_SEED", "8675309"))
OPS = 30


@attrs.define
class _Model:
    """What the file should hold: every entry (in id order) and each thread's current leaf."""

    entries: list[tuple] = attrs.field(factory=list)  # (id, thread, parent, role, content)
    leaves: dict[str, int | None] = attrs.field(factory=dict)

    def state(self) -> tuple[int, tuple]:
        return len(self.entries), tuple(sorted(self.leaves.items()))

    def add(self, added: list[threadtree.Entry]) -> None:
        for e in added:
            self.entries.append((e.id, e.thread_id, e.parent_id, e.role, e.content))
        self.leaves[added[-1].thread_id] = added[-1].id


def _read_model(store: threadtree.Store) -> _Model:
    model = _Model()
    for thread in store.list_threads(limit=None, include_archived=True):
        model.leaves[thread.id] = thread.current_leaf_id
        model.entries += [(e.id, e.thread_id, e.parent_id, e.role, e.content) for e in store.entries(thread.id)]
    model.entries.sort()
    return model


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, _Model]:
    """A small closed database to start each trial from, and its model."""
    path = tmp_path_factory.mktemp("powerloss") / "template.db"
    with threadtree.open(path) as store:
        for tid in ("a", "b"):
            store.create_thread(tid, thread_id=tid)
            for k in range(3):
                store.append(tid, "user", f"{tid}{k}")
        model = _read_model(store)
    return path, model


def _workload(store: threadtree.Store, model: _Model, rng: random.Random, vfs: PowerVFS) -> tuple[list, int]:
    """Run OPS random calls, stopping after the call during which the power went; ``model``
    follows them.

    Returns the model's state after each call (index 0: before the first) and how many calls
    had returned before the cut (acknowledged).
    """
    states = [model.state()]
    acknowledged = None
    for n in range(OPS):
        threads = sorted(model.leaves)
        tid = rng.choice(threads)
        ids = [e[0] for e in model.entries if e[1] == tid]
        roll = rng.random()
        if roll < 0.35 or not ids:
            model.add([store.append(tid, rng.choice(["user", "assistant"]), f"append {n}")])
        elif roll < 0.5:
            messages = [{"role": "tool", "content": f"extend {n}.{k} " + "x" * rng.randrange(3000)}
                        for k in range(rng.randint(2, 4))]
            model.add(store.extend(tid, messages))
        elif roll < 0.65:
            model.add([store.fork(rng.choice(ids), "assistant", f"fork {n}")])
        elif roll < 0.78:
            target = rng.choice(ids)
            store.rewind(tid, target)
            model.leaves[tid] = target
        elif roll < 0.85:
            store.create_thread(f"t{n}", thread_id=f"t{n}")
            model.leaves[f"t{n}"] = None
        else:
            raw_conn(store).pragma(f"wal_checkpoint({rng.choice(['PASSIVE', 'RESTART', 'TRUNCATE'])})")
        states.append(model.state())
        if vfs.image is not None:  # the power went during this call: it was not acknowledged
            acknowledged = len(states) - 2
            break
    if acknowledged is None:  # the cut comes after the last call
        vfs.cut()
        acknowledged = len(states) - 1
    return states, acknowledged


@attrs.define
class _Outcome:
    damage: str | None = None  # what was wrong with the image
    lost: int = 0  # acknowledged calls missing
    acknowledged: int = 0  # calls that had returned before the cut


def _trial(tmp: Path, template: tuple[Path, _Model], rng: random.Random, synchronous: str,
           cut_at: int | None, tally: Counter | None = None) -> tuple[_Outcome, int]:
    """One workload cut at the ``cut_at``-th write or sync; returns the outcome and how many
    writes and syncs the workload made (all of them when ``cut_at`` is None)."""
    source, start = template
    tmp.mkdir()
    db = tmp / "threads.db"
    shutil.copyfile(source, db)
    model = attrs.evolve(start, entries=list(start.entries), leaves=dict(start.leaves))
    with PowerVFS(rng, cut_at=cut_at) as vfs:
        with threadtree.open(db, synchronous="NORMAL" if synchronous == "NORMAL" else "FULL") as store:
            if synchronous == "OFF":
                raw_conn(store).pragma("synchronous", "OFF")
            raw_conn(store).pragma("wal_autocheckpoint", 8)  # pages: a checkpoint every few commits
            states, acknowledged = _workload(store, model, rng, vfs)
        events = vfs.events
        image = tmp / "image"
        image.mkdir()
        vfs.write_image(image)
        if tally is not None:  # what the cut caught unsynced, for the report
            tally.update(torn=vfs.torn, dropped=vfs.dropped, applied=vfs.applied)
            for path, count in vfs.unsynced.items():
                kind = os.path.basename(path)[len(db.name):] or "main file"
                tally[f"cuts with unsynced {kind} writes"] += count > 0
    outcome = _examine(image / "threads.db", model, states, acknowledged)
    outcome.acknowledged = acknowledged
    return outcome, events


def _examine(db: Path, model: _Model, states: list, acknowledged: int) -> _Outcome:
    """What the image holds, against ``states`` (the workload's, the last call's included)."""
    try:
        with threadtree.open(db) as store:
            problems = store.check()
            if problems:
                return _Outcome(damage=f"check(): {problems}")
            found = _read_model(store)
        raw = apsw.Connection(str(db))
        try:
            integrity = raw.pragma("integrity_check")
        finally:
            raw.close()
    except SchemaError as exc:
        return _Outcome(damage=f"does not open: {exc}")
    except (apsw.Error, ThreadTreeError) as exc:  # e.g. NotFound: an index names a lost row
        return _Outcome(damage=f"{type(exc).__name__}: {exc}")
    if integrity != "ok":
        return _Outcome(damage=f"integrity_check: {integrity}")
    matches = [k for k, state in enumerate(states) if state == found.state()]
    # Equal counts and leaves are not enough: the entries themselves must be the model's.
    if not matches or found.entries != model.entries[: len(found.entries)]:
        return _Outcome(damage=f"holds no state the calls went through: {found.state()}")
    return _Outcome(lost=max(0, acknowledged - matches[-1]))


@attrs.define
class _Results:
    counts: Counter = attrs.field(factory=Counter)
    damaged: list[str] = attrs.field(factory=list)  # one line per damaged image
    lost: list[str] = attrs.field(factory=list)  # one line per image missing acknowledged calls

    def summary(self, synchronous: str, seconds: float) -> str:
        c = self.counts
        return (
            f"synchronous={synchronous}: {c['trials']} power cuts in {seconds:.1f} s; "
            f"{c['damaged']} damaged, {c['lost']} lost acknowledged calls ({c['calls lost']} in all, "
            f"at most {c['most lost']} in one cut); {c['acknowledged']} calls acknowledged before "
            f"the cuts; unsynced writes at the cuts: {c['applied']} applied, {c['dropped']} dropped, "
            f"{c['torn']} torn; cuts with unsynced WAL writes: {c['cuts with unsynced -wal writes']}, "
            f"with unsynced main-file writes: {c['cuts with unsynced main file writes']}"
        )


def _run(tmp_path: Path, template, synchronous: str, trials: int) -> _Results:
    """``trials`` power cuts, each at a random write or sync of its own random workload."""
    rng = random.Random(f"{SEED}-{synchronous}")
    # How many writes and syncs a workload makes, to spread the cuts over all of it.
    _, events = _trial(tmp_path / "calibrate", template, random.Random(rng.random()), synchronous, None)
    results = _Results()
    for trial in range(trials):
        trial_seed = rng.randrange(2**32)
        trial_rng = random.Random(trial_seed)
        cut_at = trial_rng.randint(1, events)
        outcome, _ = _trial(tmp_path / f"trial-{trial}", template, trial_rng, synchronous, cut_at, results.counts)
        where = f"trial {trial} (seed {SEED}, trial seed {trial_seed}, cut at {cut_at} of ~{events})"
        results.counts.update(trials=1, acknowledged=outcome.acknowledged)
        if outcome.damage:
            results.counts["damaged"] += 1
            results.damaged.append(f"{where}: {outcome.damage}")
        elif outcome.lost:
            results.counts.update(lost=1, **{"calls lost": outcome.lost})
            results.counts["most lost"] = max(results.counts["most lost"], outcome.lost)
            results.lost.append(f"{where}: lost the last {outcome.lost} acknowledged calls")
    return results


def test_full_never_loses_an_acknowledged_write_nor_damages_the_file(tmp_path, template):
    started = time.monotonic()
    results = _run(tmp_path, template, "FULL", 100)
    print("\n" + results.summary("FULL", time.monotonic() - started))
    assert results.damaged + results.lost == [], "\n".join(results.damaged + results.lost)
    # The cuts fell all over the workloads, WAL and checkpoints alike.
    assert results.counts["cuts with unsynced main file writes"] >= 5
    assert results.counts["acknowledged"] >= 100 * OPS // 4


def test_normal_may_lose_the_last_writes_but_never_damages_the_file(tmp_path, template):
    started = time.monotonic()
    results = _run(tmp_path, template, "NORMAL", 100)
    print("\n" + results.summary("NORMAL", time.monotonic() - started))
    assert results.damaged == [], "\n".join(results.damaged)


def test_the_harness_catches_damage_when_nothing_is_synced(tmp_path, template):
    """The negative control: with ``synchronous=OFF`` nothing is ever known to be on disk, and
    the harness must see it (damage or lost acknowledged calls) in a good share of cuts."""
    started = time.monotonic()
    results = _run(tmp_path, template, "OFF", 50)
    print("\n" + results.summary("OFF", time.monotonic() - started))
    caught = results.counts["damaged"] + results.counts["lost"]
    assert caught >= 0.2 * results.counts["trials"], f"seed {SEED}: only {caught} of 50 cuts caught"
