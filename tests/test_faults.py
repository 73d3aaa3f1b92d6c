"""Disk faults and out-of-memory: every write is all-or-nothing, and the store survives.

The I/O fault loop (SQLite's own "anomaly loop", see ../shared/RELIABILITY.md): for each write
operation, each fault (a write or a sync fails with an I/O error or "disk full", once or from
then on) and each ``synchronous`` mode, fail the 1st, 2nd, 3rd... call until the operation
completes without meeting the fault. After each injection:

* the call either completed or raised an SQLite or threadtree error;
* the file as a crash would leave it (database and WAL copied right after the call, then
  opened afresh, which replays the WAL) passes ``integrity_check`` and :meth:`Store.check`, and
  holds either the state before the operation or the state after a clean run of it, nothing
  in between; a call that raised may only come back applied if the fault hit after its commit
  record reached the WAL (a failed sync), and a re-read (or, for keyed writes, a plain retry)
  tells the caller which happened and completes it exactly once;
* the same Store, without reopening, keeps working once the disk does: the next append
  succeeds and :meth:`Store.check` finds nothing.

Time and random ids are frozen, so "the state after" can be compared row for row with the
logical dump of a clean run.
"""

from __future__ import annotations

import collections
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import apsw
import attrs
import pytest

import threadtree
import threadtree.formats
from threadtree import NotFound, ThreadTreeError

from .faultvfs import KINDS, METHODS, FaultVFS
from .helpers import BRANCHED, build, logical_dump, raw_conn

DATA = Path(__file__).with_name("data")
SAMPLE = DATA / "librechat" / "librechat__librechat-tree.json"  # one conversation, 9 nodes
FROZEN_TIME = 1_750_000_000.0
FOLLOW_UP = ("t", "user", "follow-up after the fault")

# (operation, outcome) -> injections; printed at the end of the module (visible with -s).
OUTCOMES: collections.Counter[tuple[str, str]] = collections.Counter()


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch):
    """Frozen clock and numbered uuid4s, so a faulted run and a clean run write equal rows."""
    counter = iter(range(1, 1 << 30))
    monkeypatch.setattr(time, "time", lambda: FROZEN_TIME)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))


def _restart_uuids(monkeypatch) -> None:
    counter = iter(range(1, 1 << 30))
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))


@pytest.fixture
def vfs():
    with FaultVFS(fsync=False) as fault_vfs:  # a process crash is simulated, not power loss
        yield fault_vfs


# -- the operations --


@attrs.frozen
class Op:
    """A write, how a caller re-reads whether it happened, and how it completes it after an
    ambiguous failure: ``retry`` blindly when the write is keyed (idempotent), else re-read
    with ``applied`` and run it again only if it did not happen."""

    name: str
    run: Callable[[threadtree.Store, dict[str, int]], Any]
    applied: Callable[[threadtree.Store, dict[str, int]], bool]
    idempotent: bool = False


def _exists(lookup: Callable[[], Any]) -> bool:
    try:
        lookup()
    except NotFound:
        return False
    return True


EXTEND = [{"role": ("user", "assistant")[i % 2], "content": f"message {i}", "source_id": f"m{i}"} for i in range(50)]

OPS = [
    Op("append", lambda s, ids: s.append("t", "user", "new", source_id="key-1"),
       lambda s, ids: _exists(lambda: s.find_entry("t", "key-1")), idempotent=True),
    Op("extend", lambda s, ids: s.extend("t", EXTEND),
       lambda s, ids: _exists(lambda: s.find_entry("t", "m0")), idempotent=True),
    Op("fork", lambda s, ids: s.fork(ids["b"], "assistant", "forked"),
       lambda s, ids: "forked" in [e.content for e in s.children(ids["b"])]),
    Op("rewind", lambda s, ids: s.rewind("t", ids["d"]),
       lambda s, ids: s.get_thread("t").current_leaf_id == ids["d"]),
    Op("delete_branch", lambda s, ids: s.delete_branch(ids["b"]),
       lambda s, ids: not _exists(lambda: s.get_entry(ids["b"]))),
    Op("create_thread", lambda s, ids: s.create_thread("new thread", thread_id="new"),
       lambda s, ids: _exists(lambda: s.get_thread("new"))),
    Op("import", lambda s, ids: threadtree.formats.import_file(s, SAMPLE),
       lambda s, ids: len(s.list_threads(limit=None)) == 3, idempotent=True),
]


def _two_appends(s: threadtree.Store, ids: dict[str, int]) -> None:
    s.append("t", "user", "first of two")
    s.append("t", "user", "second of two")


# Not all-or-nothing on purpose (two transactions): the loop must catch it.
TWO_WRITES = Op("control: 2 txns", _two_appends, lambda s, ids: "second of two" in [e.content for e in s.path("t")])


# -- files and states --


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy(source: Path, target: Path, suffixes: tuple[str, ...] = ("",)) -> None:
    _remove(target)
    for suffix in suffixes:
        if os.path.exists(f"{source}{suffix}"):
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _integrity(path: Path, vfs: str = "") -> str:
    conn = apsw.Connection(os.fspath(path), vfs=vfs)
    try:
        return "\n".join(row[0] for row in conn.execute("pragma integrity_check"))
    finally:
        conn.close()


@attrs.define
class Case:
    """The files and expected states of one operation."""

    op: Op
    template: Path
    work: Path
    crash: Path
    ids: dict[str, int]
    sync: str
    states: dict[str, Any] = attrs.field(factory=dict)  # before, after, and each + follow-up

    def label(self, state: Any) -> str:
        return next((name for name, known in self.states.items() if known == state), "between")


def _prepare(tmp_path: Path, op: Op, sync: str, monkeypatch) -> Case:
    """A tiny template file (thread 't' holding BRANCHED, thread 'other' one entry) and the
    logical states a clean run leads to."""
    template = tmp_path / "template.db"
    with threadtree.open(template, synchronous=sync) as store:
        store.create_thread("test thread", thread_id="t")
        ids = build(store, "t", BRANCHED)
        store.create_thread("other thread", thread_id="other")
        store.append("other", "user", "hello")
    case = Case(op, template, tmp_path / "work.db", tmp_path / "crash.db", ids, sync)
    case.states["before"] = logical_dump(template)
    for name, steps in [("after", [op.run]), ("before + follow-up", [_follow_up]),
                        ("after + follow-up", [op.run, _follow_up])]:
        _copy(template, case.work)
        _restart_uuids(monkeypatch)
        with threadtree.open(case.work, synchronous=sync) as store:
            for step in steps:
                step(store, ids)
        case.states[name] = logical_dump(case.work)
    assert case.states["after"] != case.states["before"]
    return case


def _follow_up(store: threadtree.Store, ids: dict[str, int]) -> None:
    store.append(*FOLLOW_UP)


# -- one injection --


def _inject(case: Case, vfs: FaultVFS, fault: tuple[str, str, bool], k: int, monkeypatch) -> str | None:
    """Run the operation with the fault armed at ``k``, check everything, record the outcome.
    Returns the outcome, ``None`` when the fault was never reached (the loop stops there)."""
    method, kind, persistent = fault
    where = f"{case.op.name} {method} {kind} {'persistent' if persistent else 'once'} {case.sync} k={k}"
    _copy(case.template, case.work)
    _restart_uuids(monkeypatch)
    store = threadtree.open(case.work, synchronous=case.sync)
    try:
        vfs.arm(method, kind, k, persistent=persistent)
        error: BaseException | None = None
        try:
            case.op.run(store, case.ids)
        except (apsw.Error, ThreadTreeError) as exc:
            error = exc
        except BaseException as exc:
            raise AssertionError(f"{where}: raised {exc!r}, neither an SQLite nor a threadtree error") from exc
        finally:
            # What a crash right now would leave: the database and its WAL, without the
            # shared-memory index (rebuilt from the WAL on the next open).
            _copy(case.work, case.crash, ("", "-wal"))
            vfs.disarm()
        fired, commits_before = vfs.fired, vfs.commits_before_first_fault
        assert fired or error is None, f"{where}: raised {error!r} without meeting the fault"
        if fired == 0:
            OUTCOMES[case.op.name, "completed, fault never reached"] += 1

        # The same store, not reopened, sees all or nothing and keeps working.
        try:
            store.append(*FOLLOW_UP)
        except apsw.Error as exc:
            raise AssertionError(f"{where}: the store does not work after the fault: {exc!r}") from exc
        assert store.check() == [], where
        # What this process sees from now on (so also what it saw before the follow-up): a
        # call that raised wrote nothing, one that returned wrote everything.
        live = case.label(logical_dump(case.work)).removesuffix(" + follow-up")
        assert live in ("before", "after"), f"{where}: the live file holds a state in between"
        assert live == ("before" if error else "after"), f"{where}: {error!r}, yet the file is {live}"
    finally:
        store.close()

    # The file a crash would have left.
    assert _integrity(case.crash, vfs.base) == "ok", where
    state = case.label(logical_dump(case.crash))
    assert state in ("before", "after"), f"{where}: after a crash the file holds a state in between"
    if error is None:
        assert state == "after", f"{where}: completed, but a crash would lose it"
    outcome = None
    if fired:
        if error is None:
            outcome = "after (completed)"
        elif state == "after":
            outcome = "after (raised but applied)"
            assert method == "xSync" and commits_before, (
                f"{where}: raised {error!r} and came back applied although the fault hit before "
                "the commit record was written"
            )
        else:
            outcome = "before"
        OUTCOMES[case.op.name, outcome] += 1
    with threadtree.open(case.crash, synchronous=case.sync) as crashed:
        assert crashed.check() == [], where
        assert case.op.applied(crashed, case.ids) == (state == "after"), f"{where}: a re-read cannot tell"
        _restart_uuids(monkeypatch)
        if case.op.idempotent:  # a keyed write: the same call again, blindly
            case.op.run(crashed, case.ids)
        elif state == "before":  # else what the re-read said
            case.op.run(crashed, case.ids)
    # Row for row the clean run's file: written exactly once (a keyed append that was already
    # there returned the existing entry; its id is in the comparison).
    assert case.label(logical_dump(case.crash)) == "after", f"{where}: the retry did not complete it exactly once"
    return outcome


FAULTS = [
    pytest.param((method, kind, persistent), id=f"{method}-{kind}-{'persistent' if persistent else 'once'}")
    for method in METHODS for kind in KINDS for persistent in (False, True)
]


@pytest.mark.parametrize("sync", ["FULL", "NORMAL"])
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_a_write_meeting_a_disk_fault_is_all_or_nothing(tmp_path, vfs, monkeypatch, op, fault, sync):
    case = _prepare(tmp_path, op, sync, monkeypatch)
    outcomes = collections.Counter()
    k = 1
    while outcome := _inject(case, vfs, fault, k, monkeypatch):
        outcomes[outcome] += 1
        k += 1
        assert k < 500, "the operation never completed"
    if fault[0] == "xWrite" or sync == "FULL":
        assert outcomes["before"], "no fault ever stopped the write: the VFS is not in the way"
    if fault[0] == "xSync" and sync == "FULL":
        # The commit record is in the WAL when its sync fails: a crash then keeps the write.
        # Seeing it shows the crash image can tell; the re-read/retry above handled it.
        assert outcomes["after (raised but applied)"] == 1, outcomes


def test_the_loop_catches_a_write_that_is_not_all_or_nothing(tmp_path, vfs, monkeypatch):
    """Negative control: two appends in two transactions leave "between" states, and the
    checks above must say so."""
    case = _prepare(tmp_path, TWO_WRITES, "FULL", monkeypatch)
    caught = []
    for k in range(1, 60):
        try:
            if _inject(case, vfs, ("xWrite", "ioerr", False), k, monkeypatch) is None:
                break
        except AssertionError as exc:
            caught.append(str(exc))
    assert any("in between" in message for message in caught), caught


def test_the_fault_reaches_the_caller_as_an_sqlite_error(tmp_path, vfs):
    with threadtree.open(tmp_path / "f.db") as store:
        store.create_thread(thread_id="t")
        for method, kind, error, code in [
            ("xWrite", "ioerr", apsw.IOError, apsw.SQLITE_IOERR_WRITE),
            ("xSync", "ioerr", apsw.IOError, apsw.SQLITE_IOERR_FSYNC),
            ("xWrite", "full", apsw.FullError, apsw.SQLITE_FULL),
        ]:
            vfs.arm(method, kind, 1)
            with pytest.raises(error) as raised:
                store.append("t", "user", "hi")
            vfs.disarm()
            assert raised.value.extendedresult == code
            assert vfs.fired == 1
        assert store.path("t") == []
        assert store.append("t", "user", "hi").id == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_in_the_checkpoint_at_close_loses_nothing(tmp_path, vfs, fault):
    """Closing the last connection copies the WAL into the database. When that fails, close
    may raise the I/O error, but the store is closed and every acknowledged write is kept
    (the WAL stays and is replayed on the next open)."""
    method, kind, persistent = fault
    template = tmp_path / "template.db"
    with threadtree.open(template) as store:
        store.create_thread(thread_id="t")
        build(store, "t", BRANCHED)
    expected = logical_dump(template)
    work = tmp_path / "work.db"
    raised = 0
    for k in range(1, 100):
        _copy(template, work)
        store = threadtree.open(work)
        store.rewind("t", 1)
        store.append("t", "user", "acknowledged")
        written = logical_dump(work)
        vfs.arm(method, kind, k, persistent=persistent)
        try:
            store.close()
        except apsw.Error:
            raised += 1
        finally:
            vfs.disarm()
        with pytest.raises(ThreadTreeError, match="closed"):
            store.path("t")
        assert _integrity(work, vfs.base) == "ok", k
        assert logical_dump(work) == written != expected, k
        with threadtree.open(work) as reopened:
            assert reopened.check() == [], k
        if not vfs.fired:
            break
    assert raised and raised == k - 1


# -- out of memory --

BIG = [{"role": "user", "content": f"{i} " + "x" * 100_000, "source_id": f"big{i}"} for i in range(5)]
OOM_OPS = [
    OPS[0],
    Op("extend large", lambda s, ids: s.extend("t", BIG),
       lambda s, ids: _exists(lambda: s.find_entry("t", "big0")), idempotent=True),
    OPS[2],
    OPS[6],
]
OOM_STEPS = 16


@pytest.fixture
def heap_limit():
    """Set SQLite's hard heap limit (process-wide) with ``heap_limit(n)``; always lifted after."""
    previous = apsw.hard_heap_limit(-1)  # a negative value reads the limit without changing it
    try:
        yield apsw.hard_heap_limit
    finally:
        apsw.hard_heap_limit(previous)


def _starve(case: Case, heap_limit, margin: int, monkeypatch) -> str:
    """Run the operation with SQLite allowed ``margin`` bytes more than it holds now; check
    that it is all-or-nothing and that the store works once the limit is lifted."""
    where = f"{case.op.name} margin={margin}"
    _copy(case.template, case.work)
    _restart_uuids(monkeypatch)
    with threadtree.open(case.work, synchronous=case.sync) as store:
        store.path("t")  # warm the page cache and the statement cache
        error: BaseException | None = None
        heap_limit(apsw.memory_used() + margin)
        try:
            case.op.run(store, case.ids)
        except (apsw.NoMemError, ThreadTreeError, MemoryError) as exc:
            error = exc
        except BaseException as exc:
            raise AssertionError(f"{where}: raised {exc!r}, not an out-of-memory error") from exc
        finally:
            heap_limit(0)
        state = case.label(logical_dump(case.work))
        assert state in ("before", "after"), f"{where}: a state in between was written"
        expected = "after" if error is None else "before"
        assert state == expected, f"{where}: {'raised ' + repr(error) if error else 'completed'} but the file is {state}"
        store.append(*FOLLOW_UP)
        assert store.check() == [], where
        assert case.label(logical_dump(case.work)) == f"{state} + follow-up", where
    outcome = "completed" if error is None else f"raised {type(error).__name__}"
    OUTCOMES[f"OOM {case.op.name}", outcome] += 1
    return outcome


@pytest.mark.parametrize("op", OOM_OPS, ids=[op.name for op in OOM_OPS])
def test_a_write_running_out_of_memory_is_all_or_nothing(tmp_path, monkeypatch, heap_limit, op):
    """SQLite may allocate nothing more (margin 0), then more and more, until the write fits:
    each failure hits a later allocation."""
    case = _prepare(tmp_path, op, "FULL", monkeypatch)
    enough = 4096
    while _starve(case, heap_limit, enough, monkeypatch) != "completed":
        enough *= 2
        assert enough < 1 << 30, "the write never fitted"
    outcomes = collections.Counter(
        _starve(case, heap_limit, enough * step // OOM_STEPS, monkeypatch) for step in range(OOM_STEPS)
    )
    assert outcomes["raised NoMemError"], outcomes


def test_a_write_left_open_is_undone_by_the_next_call(tmp_path):
    """What a ROLLBACK that itself ran out of memory leaves: the connection inside a write it
    never ended. The next call rolls it back (its caller was told) instead of failing on
    "cannot start a transaction within a transaction" or committing it with its own."""
    with threadtree.open(tmp_path / "left.db") as store:
        store.create_thread(thread_id="t")
        conn = raw_conn(store)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("insert into threads (id, metadata, created_at, updated_at) values ('ghost', '{}', 0, 0)")
        assert store.path("t") == [] and store.get_thread("t").current_leaf_id is None  # a snapshot ends it
        assert conn.get_autocommit()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("insert into threads (id, metadata, created_at, updated_at) values ('ghost', '{}', 0, 0)")
        entry = store.append("t", "user", "after")
        assert store.path("t") == [entry]
    with threadtree.open(tmp_path / "left.db") as again:
        assert [t.id for t in again.list_threads()] == ["t"]
        assert again.check() == []


@pytest.fixture(scope="module", autouse=True)
def _print_outcomes():
    yield
    if OUTCOMES:
        total = sum(OUTCOMES.values())
        print(f"\nI/O fault loop: {total} runs")
        for (op, outcome), count in sorted(OUTCOMES.items()):
            print(f"  {op:<14} {outcome:<32} {count}")
