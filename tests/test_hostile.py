"""Hostile files: damaged database files and damage planted behind threadtree's back.

What threadtree promises for a file that is damaged (bytes flipped, truncated, a WAL torn, or
values written by another tool with the constraints off):

* ``threadtree.open`` either opens it or raises :class:`SchemaError` (or another
  :class:`ThreadTreeError`);
* every read either works or raises a :class:`ThreadTreeError` or an ``apsw.Error`` (SQLite's
  own report of damage it met mid-query, ``apsw.CorruptError`` above all): never a bare
  ``TypeError``, ``UnicodeDecodeError``, ``orjson.JSONDecodeError``, ``KeyError``;
* nothing hangs, and a walk up or down a damaged tree (a cycle, a parent in another thread)
  ends;
* ``store.check()`` that says ``[]`` means every read works;
* the CLI, run as a real process, exits 0 (the damage is in nothing it read) or 1 with one
  ``threadtree: error: ...`` line on stderr (``check`` may instead list problems on stdout),
  never with a Python traceback.

Damage is seeded and placed with ``dbstat`` (which pages belong to which table), so every
variant is the same on every run.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import apsw
import pytest

import threadtree
from threadtree import ThreadTreeError
from threadtree.cli import main

from .helpers import build, damage, raw_conn

# -- the pristine file --

CLI_COMMANDS = (["threads"], ["check"], ["show", "a"], ["tree", "a"])
IN_PROCESS_COMMANDS = (
    *CLI_COMMANDS, ["show", "b", "--json"], ["tree", "b", "--json"], ["leaves", "c"],
    ["export", "--format", "jsonl"], ["export", "a", "--format", "openai"], ["threads", "--search", "t"],
)


def _make(path: Path, *, keep_open: bool = False) -> threadtree.Store | None:
    """Threads a, b and c with branches, items, metadata, source ids and non-ASCII text."""
    store = threadtree.open(path)
    for n, tid in enumerate("abc"):
        store.create_thread(f"title {tid} ✓", thread_id=tid, metadata={"n": n, "tags": ["x", "y"]})
        ids = build(store, tid, [("r1", "^"), ("r2", "^"), ("r3", "^"), ("f1", "r1"), ("f2", "f1"), ("s", None)])
        store.append(tid, "user", "héllo wörld " * 6, item={"role": "user", "content": "hi", "k": [1, 2.5, None]},
                     source_id=f"src-{tid}", parent_id=ids["r2"])
        store.rewind(tid, ids["r3"])
    if keep_open:
        return store
    store.close()
    return None


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict[str, Any]:
    """A checkpointed file (no -wal) and where its tables live."""
    path = tmp_path_factory.mktemp("pristine") / "tt.db"
    _make(path)
    conn = apsw.Connection(os.fspath(path))
    try:
        conn.pragma("wal_checkpoint", "TRUNCATE")
        page_size = conn.pragma("page_size")
        pages: dict[str, list[int]] = {}
        for name, pageno, pagetype in conn.execute("select name, pageno, pagetype from dbstat"):
            if pagetype == "leaf" or name == "sqlite_schema":
                pages.setdefault(name, []).append(pageno)
    finally:
        conn.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return {"bytes": path.read_bytes(), "page_size": page_size, "pages": pages}


@pytest.fixture(scope="module")
def with_wal(tmp_path_factory) -> dict[str, bytes]:
    """A file whose latest commits live only in its -wal (copied while a store holds it)."""
    path = tmp_path_factory.mktemp("wal") / "tt.db"
    _make(path)
    conn = apsw.Connection(os.fspath(path))
    conn.pragma("wal_checkpoint", "TRUNCATE")
    conn.close()
    store = threadtree.open(path)
    try:
        store.append("a", "user", "only in the wal ✓", item={"wal": True})
        store.fork(store.path("b")[0].id, "assistant", "a wal branch")
        store.create_thread("wal thread", thread_id="w")
        db, wal = path.read_bytes(), Path(f"{path}-wal").read_bytes()
    finally:
        store.close()
    assert len(wal) > 32
    return {"db": db, "wal": wal}


# -- damage --


def _content_area(data: bytes | bytearray, page: int, page_size: int) -> tuple[int, int]:
    """The byte range of a b-tree page's cell content (where the rows are)."""
    base = (page - 1) * page_size
    header = base + (100 if page == 1 else 0)
    start = int.from_bytes(data[header + 5 : header + 7], "big") or 65536
    return base + min(start, page_size - 1), base + page_size


def _flip_in(rng: random.Random, data: bytearray, lo: int, hi: int, count: int) -> None:
    for _ in range(count):
        at = rng.randrange(lo, hi)
        data[at] ^= rng.randrange(1, 256)


def header_variants(pristine: dict[str, Any], n: int = 9) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(6001)
    for i in range(n):
        data = bytearray(pristine["bytes"])
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(0, 100)] ^= 1 << rng.randrange(8)
        yield f"header-{i}", bytes(data)


def schema_variants(pristine: dict[str, Any], n: int = 9) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(6002)
    size = pristine["page_size"]
    for i in range(n):
        data = bytearray(pristine["bytes"])
        page = rng.choice(pristine["pages"]["sqlite_schema"])
        _flip_in(rng, data, *_content_area(data, page, size), rng.randint(1, 4))
        yield f"schema-{i}-page{page}", bytes(data)


def data_variants(pristine: dict[str, Any], n: int = 12) -> Iterator[tuple[str, bytes]]:
    rng = random.Random(6003)
    size = pristine["page_size"]
    tables = ["entries", "threads", "leaves", "entries_thread_parent", "sqlite_autoindex_threads_1"]
    for i in range(n):
        data = bytearray(pristine["bytes"])
        table = tables[i % len(tables)] if i % 2 else "entries"
        page = rng.choice(pristine["pages"][table])
        _flip_in(rng, data, *_content_area(data, page, size), rng.randint(1, 6))
        yield f"data-{i}-{table}", bytes(data)


def truncated_variants(pristine: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    data, size = pristine["bytes"], pristine["page_size"]
    for length in (1, 99, 100, 512, size + 1, 2 * size + 17, len(data) // 2, len(data) - 1):
        yield f"truncated-{length}", data[:length]


def wal_variants(with_wal: dict[str, bytes]) -> Iterator[tuple[str, bytes, bytes]]:
    """(name, db, wal): the WAL torn, truncated or flipped (header, frame headers, frames)."""
    rng = random.Random(6004)
    db, wal = with_wal["db"], with_wal["wal"]
    yield "wal-intact", db, wal
    for length in (16, 32 + 24 + 100, len(wal) // 2, len(wal) - 1):
        yield f"wal-truncated-{length}", db, wal[:length]
    for i in range(6):
        damaged = bytearray(wal)
        lo, hi = [(0, 32), (32, 56), (56, len(wal)), (len(wal) - 4096, len(wal))][i % 4]
        _flip_in(rng, damaged, lo, hi, rng.randint(1, 4))
        yield f"wal-flipped-{i}-{lo}", db, bytes(damaged)
    damaged = bytearray(db)
    _flip_in(rng, damaged, 100, len(db), 8)  # the main file damaged under an intact WAL
    yield "wal-main-flipped", bytes(damaged), wal


# -- running damaged files --

ALLOWED = (ThreadTreeError, apsw.Error)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail a call that does not end (a walk looping on a damaged tree) instead of hanging."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"did not end within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def every_read(store: threadtree.Store) -> None:
    """Every read method, over every thread and entry the file admits to."""
    threads = store.list_threads(limit=None, include_archived=True)
    store.list_threads(search="title")
    for thread in threads:
        store.get_thread(thread.id)
        store.path(thread.id)
        store.messages(thread.id, include_hidden=True)
        store.leaves(thread.id)
        store.render_tree(thread.id, collapse=2)
        store.to_dot(thread.id)
        store.to_mermaid(thread.id)
        for entry in store.entries(thread.id):
            store.get_entry(entry.id)
            store.path_to(entry.id)
            store.children(entry.id)
            store.siblings(entry.id)
            store.subtree(entry.id)
            if entry.source_id is not None:
                store.find_entry(thread.id, entry.source_id)
        threadtree.formats.export_thread(store, thread.id, "jsonl")


def _call(problems: list[str], label: str, fn: Callable[[], Any]) -> tuple[bool, Any]:
    """Run ``fn``; an error outside the promise is recorded in ``problems``."""
    try:
        with deadline(20):
            return True, fn()
    except ALLOWED as exc:
        return False, exc
    except Exception as exc:  # noqa: BLE001 - exactly what the promise rules out
        problems.append(f"{label}: {type(exc).__module__}.{type(exc).__name__}: {exc}"[:300])
        return False, exc


def api_problems(path: Path) -> list[str]:
    """Open the file read-only and read everything, then open it for writing, check and write
    (each on its own copy): what broke the promise."""
    problems: list[str] = []
    readonly = path.with_name(path.name + ".ro.db")
    writable = path.with_name(path.name + ".rw.db")
    for copy in (readonly, writable):
        for suffix in ("", "-wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{copy}{suffix}")

    opened, store = _call(problems, "open(readonly=True)", lambda: threadtree.open(readonly, readonly=True))
    if opened:
        with store:
            read_ok, _ = _call(problems, "reads", lambda: every_read(store))
            checked, found = _call(problems, "check()", store.check)
            if checked and found == [] and not read_ok:
                problems.append("check() found nothing, yet a read failed")
            _call(problems, "check(thread)", lambda: [store.check(t.id) for t in store.list_threads(limit=None)])

    opened, store = _call(problems, "open()", lambda: threadtree.open(writable))
    if opened:
        with store:
            _call(problems, "check() read-write", store.check)
            _call(problems, "append", lambda: store.append("a", "user", "after the damage"))
            _call(problems, "create_thread", lambda: store.create_thread("new"))
    return problems


def cli_problem(command: list[str], code: int | None, out: str, err: str) -> str | None:
    """What is wrong with one run of the CLI, or None."""
    shown = " ".join(command)
    if code is None:
        return f"`{shown}` did not end"
    if "Traceback" in err:
        return f"`{shown}` printed a traceback: {err.strip().splitlines()[-1]}"
    if code not in (0, 1):
        return f"`{shown}` exited {code}: {err.strip()[:200]}"
    lines = err.strip().splitlines()
    if code == 1 and command[0] == "check" and not lines and out.strip():
        return None  # problems listed on stdout
    if code == 1 and (len(lines) != 1 or not lines[0].startswith("threadtree: error: ")):
        return f"`{shown}` exited 1 without one 'threadtree: error:' line: {err.strip()[:200]!r}"
    if code == 0 and lines:
        return f"`{shown}` succeeded but wrote to stderr: {err.strip()[:200]!r}"
    return None


def cli_in_process_problems(path: Path) -> list[str]:
    problems = []
    for command in IN_PROCESS_COMMANDS:
        out, err = io.StringIO(), io.StringIO()
        try:
            with deadline(20), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code: int | None = main(["--db", os.fspath(path), *command])
        except TimeoutError:
            code = None
        except Exception as exc:  # noqa: BLE001 - a traceback in a real run
            err.write(f"Traceback (in process): {type(exc).__name__}: {exc}")
            code = 1
        found = cli_problem(command, code, out.getvalue(), err.getvalue())
        if found:
            problems.append(found)
    return problems


def run_cli(path: Path, command: list[str], home: Path) -> tuple[int | None, str, str]:
    """``python -m threadtree --db PATH COMMAND`` as a real process."""
    env = {k: v for k, v in os.environ.items() if k != "THREADTREE_DB"} | {"HOME": str(home), "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "threadtree", "--db", os.fspath(path), *command],
            capture_output=True, text=True, timeout=60, env=env, cwd=home, errors="replace",
        )
    except subprocess.TimeoutExpired:
        return None, "", ""
    return done.returncode, done.stdout, done.stderr


# A real process costs ~0.7 s (imports), main() in process ~0.02 s a command: every variant
# gets every command in process, and every REAL_EVERY-th one a real `python -m threadtree`
# (threads, check, show, tree in turn), which is what sees a crash, a hang or a traceback
# printed by the interpreter itself.
REAL_EVERY = 3


def assert_promises_kept(tmp_path: Path, variants: list[tuple[str, bytes, bytes | None]]) -> dict[str, int]:
    """Write each variant, run the API and the CLI on it, and fail listing every broken
    promise. Returns outcome counts."""
    files = []
    for index, (name, db, wal) in enumerate(variants):
        folder = tmp_path / name
        folder.mkdir()
        path = folder / "tt.db"
        path.write_bytes(db)
        if wal is not None:
            Path(f"{path}-wal").write_bytes(wal)
        files.append((name, path, CLI_COMMANDS[(index // REAL_EVERY) % len(CLI_COMMANDS)]))

    def real(item: tuple[str, Path, list[str]]) -> tuple[str, list[str], tuple[int | None, str, str]]:
        name, path, command = item
        cli_copy = path.with_name("cli.db")
        for suffix in ("", "-wal"):
            if Path(f"{path}{suffix}").exists():
                shutil.copyfile(f"{path}{suffix}", f"{cli_copy}{suffix}")
        return name, command, run_cli(cli_copy, command, path.parent)

    sampled = files[::REAL_EVERY]
    counts = {"variants": len(files), "cli-processes": len(sampled), "exit-0": 0, "exit-1": 0}
    failures = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(real, sampled)
        for name, path, _ in files:  # in-process work overlaps the real processes
            failures += [f"{name}: {p}" for p in api_problems(path)]
            failures += [f"{name}: (in process) {p}" for p in cli_in_process_problems(path)]
        for name, command, (code, out, err) in runs:
            if code in (0, 1):
                counts[f"exit-{code}"] += 1
            found = cli_problem(command, code, out, err)
            if found:
                failures.append(f"{name}: {found}")
    assert not failures, f"{len(failures)} broken promises:\n" + "\n".join(failures)
    return counts


class TestDamagedFiles:
    """Seeded damage in every part of a real file, opened by the API and the CLI."""

    def test_a_damaged_header(self, tmp_path, pristine):
        assert_promises_kept(tmp_path, [(n, d, None) for n, d in header_variants(pristine)])

    def test_a_damaged_schema(self, tmp_path, pristine):
        assert_promises_kept(tmp_path, [(n, d, None) for n, d in schema_variants(pristine)])

    def test_damaged_table_and_index_pages(self, tmp_path, pristine):
        assert_promises_kept(tmp_path, [(n, d, None) for n, d in data_variants(pristine)])

    def test_a_truncated_file(self, tmp_path, pristine):
        counts = assert_promises_kept(tmp_path, [(n, d, None) for n, d in truncated_variants(pristine)])
        assert counts["exit-1"] >= 1  # the damage was seen, not silently ignored

    def test_a_damaged_or_truncated_wal(self, tmp_path, with_wal):
        assert_promises_kept(tmp_path, list(wal_variants(with_wal)))

    def test_the_variants_are_really_damaged(self, pristine, with_wal):
        """A negative control: every variant differs from the file it was made from."""
        for name, data in [*header_variants(pristine), *schema_variants(pristine), *data_variants(pristine)]:
            assert data != pristine["bytes"], name
        for name, db, wal in wal_variants(with_wal):
            assert name == "wal-intact" or (db, wal) != (with_wal["db"], with_wal["wal"]), name

    def test_the_checker_catches_a_broken_promise(self, tmp_path):
        """The harness itself can fail: a traceback, a silent exit 1, a bare TypeError."""
        assert cli_problem(["show", "a"], 1, "", "Traceback (most recent call last):\n  ...\nTypeError: x")
        assert cli_problem(["show", "a"], 1, "", "")
        assert cli_problem(["show", "a"], None, "", "")
        assert cli_problem(["check"], 1, "thread 'a': cycle: ...\n", "") is None
        problems: list[str] = []
        _call(problems, "x", lambda: "a" + 1)
        assert problems and "TypeError" in problems[0]
        with pytest.raises(TimeoutError), deadline(0.05):
            while True:
                pass


# -- values written by another tool, with the constraints off --


plant = damage  # the same tool, named for what these tests do with it


@pytest.fixture
def made(db_path) -> Path:
    _make(db_path)
    return db_path


BAD_VALUES = [
    pytest.param("update entries set content = cast(x'ff41' as text) where id = 1", id="content-not-utf8"),
    pytest.param("update entries set role = cast(x'75c3' as text) where id = 1", id="role-not-utf8"),
    pytest.param("update threads set title = cast(x'c3' as text) where id = 'a'", id="title-not-utf8"),
    pytest.param("update entries set source_id = cast(x'80' as text) where id = 2", id="source-id-not-utf8"),
    pytest.param("update entries set item = '{bad' where thread_id = 'a' and item is not null", id="item-not-json"),
    pytest.param("update entries set item = cast(x'7b22ff' as text) where thread_id = 'a' and item is not null",
                 id="item-not-utf8"),
    pytest.param("update threads set metadata = '[1,' where id = 'a'", id="metadata-not-json"),
    pytest.param("update entries set content = x'414243' where id = 1", id="content-a-blob"),
    pytest.param("update threads set title = x'ff' where id = 'a'", id="title-a-blob"),
    pytest.param("update entries set parent_entry_id = 'x' where id = 2", id="parent-id-text"),
]


class TestDamagedValues:
    """Values no threadtree write can make, put there by another tool. Today each of these
    breaks the promise: APSW raises UnicodeDecodeError on text that is not UTF-8, orjson
    raises JSONDecodeError on an item that is not JSON, a blob reaches str code as bytes, and
    check() (read-only) calls the file healthy."""

    @pytest.mark.parametrize("statement", BAD_VALUES)
    def test_reads_the_cli_and_check_keep_the_promise(self, made, statement):
        plant(made, statement)
        problems = api_problems(made) + [f"(cli) {p}" for p in cli_in_process_problems(made)]
        with threadtree.open(made, readonly=True) as store:
            if store.check() == []:
                problems.append("check() calls the file healthy")
        assert not problems, "\n".join(problems)

    def test_check_read_only_sees_what_check_read_write_sees(self, made):
        """PRAGMA integrity_check on a connection opened SQLITE_OPEN_READONLY skips CHECK
        constraints (measured, SQLite 3.54.1): `threadtree check` opens read-only."""
        plant(made, "update entries set content = x'414243' where id = 1")
        with threadtree.open(made, readonly=True) as store:
            readonly = store.check()
        with threadtree.open(made) as store:
            writable = store.check()
        assert writable != []  # the read-write check sees the CHECK constraint fail
        assert readonly == writable

    def test_a_real_traceback_in_a_real_process(self, made):
        """One real process per kind of failure seen above, so the report is not an artefact of
        calling main() in process."""
        plant(made, "update entries set content = cast(x'ff41' as text) where id = 1")
        code, out, err = run_cli(made, ["show", "a"], made.parent)
        assert cli_problem(["show", "a"], code, out, err) is None, err


# -- a cycle and a cross-thread parent: every walk ends --


@pytest.fixture
def tree(db_path) -> dict[str, int]:
    """Thread 'a': a1 - a2 - a3, a4 forked from a1, a5 under a4; thread 'b': b1 - b2."""
    with threadtree.open(db_path) as store:
        store.create_thread("a", thread_id="a")
        store.create_thread("b", thread_id="b")
        ids = build(store, "a", [("a1", "^"), ("a2", "^"), ("a3", "^"), ("a4", "a1"), ("a5", "^")])
        ids |= build(store, "b", [("b1", "^"), ("b2", "^")])
        store.rewind("a", ids["a3"])
    return ids


def every_walk(store: threadtree.Store, thread_id: str) -> dict[str, Any]:
    """Every call that walks a tree (tests/test_check.py covers path, subtree,
    common_ancestor and render_tree already); returns what they gave."""
    entries = store.entries(thread_id)
    seen: dict[str, Any] = {
        "leaves": [e.id for e in store.leaves(thread_id)],
        "messages": len(store.messages(thread_id)),
        "render": store.render_tree(thread_id),
        "render-collapsed": store.render_tree(thread_id, collapse=1, ascii_only=True, max_depth=3),
        "dot": store.to_dot(thread_id),
        "mermaid": store.to_mermaid(thread_id),
        "graph": sorted(store.graph(thread_id).edges),
    }
    for entry in entries:
        seen[f"path_to {entry.id}"] = [e.id for e in store.path_to(entry.id)]
        seen[f"children {entry.id}"] = [e.id for e in store.children(entry.id)]
        seen[f"siblings {entry.id}"] = [e.id for e in store.siblings(entry.id)]
        seen[f"subtree {entry.id}"] = [e.id for e in store.subtree(entry.id)]
    return seen


class TestPlantedLoops:
    def test_a_cycle_with_no_root_left(self, db_path, tree):
        """a1 -> a3 closes a1 - a2 - a3 into a circle: thread 'a' keeps no root but a4's branch
        hangs from the circle."""
        plant(db_path, f"update entries set parent_entry_id = {tree['a3']}, depth = 3 where id = {tree['a1']}")
        with threadtree.open(db_path) as store, deadline(20):
            assert "cycle" in {p.kind for p in store.check("a")}
            # The negative control: a walk up without the "older parent" guard goes round forever.
            unguarded = (
                "with recursive up (id, parent) as (select id, parent_entry_id from entries where id = ?"
                " union all select e.id, e.parent_entry_id from up join entries as e on e.id = up.parent)"
                " select count(*) from (select * from up limit 1000)"
            )
            assert raw_conn(store).execute(unguarded, (tree["a3"],)).get == 1000
            seen = every_walk(store, "a")
            # Walks up stop at the edge that goes against the ids (parent younger than child).
            assert seen[f"path_to {tree['a1']}"] == [tree["a1"]]
            assert seen[f"path_to {tree['a5']}"] == [tree["a1"], tree["a4"], tree["a5"]]
            assert all(str(tree[n]) in seen["render"] for n in ("a1", "a2", "a3", "a4", "a5"))
            # rewind and delete_branch inside the circle end too. Deleting a2 (with a3, the walk
            # follows younger ids only) would leave a1 pointing at a deleted a3: the foreign key
            # refuses it, and the write leaves the file as it was.
            store.rewind("a", tree["a2"])
            before = [e.id for e in store.entries("a")]
            with pytest.raises(apsw.ConstraintError):
                store.delete_branch(tree["a2"])
            assert [e.id for e in store.entries("a")] == before
            assert store.delete_branch(tree["a5"]) == 1

    def test_a_two_entry_cycle_in_a_thread_of_its_own(self, db_path, tree):
        plant(db_path, f"update entries set parent_entry_id = {tree['b2']}, depth = 2 where id = {tree['b1']}")
        with threadtree.open(db_path) as store, deadline(20):
            problems = store.check("b")
            assert [p.kind for p in problems if p.kind == "cycle"] == ["cycle"]
            seen = every_walk(store, "b")
            assert seen["leaves"] == [tree["b2"]]  # the leaves table: b2 was the tip
            assert seen[f"subtree {tree['b1']}"] == [tree["b1"], tree["b2"]]
            assert seen[f"path_to {tree['b2']}"] == [tree["b1"], tree["b2"]]

    def test_a_parent_in_another_thread(self, db_path, tree):
        """a3's parent becomes b1: the walks must not leave thread 'a'."""
        plant(db_path, f"update entries set parent_entry_id = {tree['b1']} where id = {tree['a3']}")
        with threadtree.open(db_path) as store, deadline(20):
            assert "cross-thread-parent" in {p.kind for p in store.check()}
            seen = every_walk(store, "a")
            assert seen[f"path_to {tree['a3']}"] == [tree["a3"]]
            assert [e.thread_id for e in store.path("a")] == ["a"]
            assert tree["b1"] not in {n for edge in seen["graph"] for n in edge}
            assert all(e.thread_id == "b" for e in store.children(tree["b1"]))
            assert store.common_ancestor(tree["a3"], tree["b2"]) is None

    def test_a_cycle_across_two_threads(self, db_path, tree):
        """a1's parent is b2 and b1's parent is a3: a circle that runs through both threads."""
        plant(
            db_path,
            f"update entries set parent_entry_id = {tree['b2']}, depth = 2 where id = {tree['a1']}",
            f"update entries set parent_entry_id = {tree['a3']}, depth = 3 where id = {tree['b1']}",
        )
        with threadtree.open(db_path) as store, deadline(20):
            kinds = {p.kind for p in store.check()}
            assert "cross-thread-parent" in kinds
            every_walk(store, "a")
            every_walk(store, "b")

    @pytest.mark.parametrize("command", [["tree", "a"], ["tree", "a", "--ascii", "--collapse", "1"], ["check"]])
    def test_the_cli_ends_on_a_cycle(self, db_path, tree, command):
        plant(
            db_path,
            f"update entries set parent_entry_id = {tree['a3']}, depth = 3 where id = {tree['a1']}",
            f"update entries set parent_entry_id = {tree['b1']} where id = {tree['a5']}",
        )
        code, out, err = run_cli(db_path, command, db_path.parent)
        assert cli_problem(command, code, out, err) is None
        if command[0] == "check":
            assert code == 1 and "cycle" in out and "cross-thread-parent" in out
        else:
            assert code == 0 and all(str(tree[n]) in out for n in ("a1", "a2", "a3", "a4", "a5"))
