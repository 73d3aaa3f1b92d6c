"""The threadtree command line: every command, its JSON, exit codes, errors and terminals."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import apsw
import pytest

import threadtree
from threadtree.cli import main, parser

from .helpers import build, damage, fingerprint, logical_dump, set_schema_version, sql_folder

SCRIPT = Path(sys.executable).with_name("threadtree")


@pytest.fixture
def db(db_path, monkeypatch):
    """A database with thread 't': a - b - c (live), and x forked from a."""
    with threadtree.open(db_path) as store:
        store.create_thread("Test thread", thread_id="t")
        ids = build(store, "t", [("a", "^"), ("b", "^"), ("x", "a")])
        store.rewind("t", ids["b"])
        store.append("t", "user", "c")
    monkeypatch.setenv("THREADTREE_DB", str(db_path))
    return db_path


def run(capsys, *argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def entry_ids(store, thread="t"):
    return {e.content: e.id for e in store.entries(thread)}


class TestHelp:
    def test_every_command_and_option_has_help(self):
        def walk(p: argparse.ArgumentParser, where: str):
            for action in p._actions:
                if isinstance(action, argparse._SubParsersAction):
                    for choice in action._choices_actions:
                        assert choice.help, f"{where} {choice.dest} has no help"
                    for name, sub in action.choices.items():
                        walk(sub, f"{where} {name}")
                elif not isinstance(action, argparse._HelpAction):
                    assert action.help and action.help != argparse.SUPPRESS, f"{where} {action.option_strings or action.dest}"

        walk(parser(), "threadtree")

    def test_help_and_version_exit_zero(self, capsys):
        assert run(capsys, "--help")[0] == 0
        code, out, _ = run(capsys, "--version")
        assert (code, out.strip()) == (0, f"threadtree {threadtree.__version__}")

    def test_python_dash_m_works(self):
        done = subprocess.run([sys.executable, "-m", "threadtree", "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and "demo" in done.stdout


class TestUsageErrors:
    @pytest.mark.parametrize(
        "argv",
        [
            [],
            ["bogus"],
            ["show"],
            ["threads", "--limit", "0"],
            ["threads", "--limit", "x"],
            ["fork", "not-an-id", "user", "x"],
            ["export", "t"],
            ["export", "t", "--format", "yaml"],
            ["rewind", "t", "--steps", "-1"],
        ],
    )
    def test_they_exit_two_with_usage_on_stderr(self, capsys, db, argv):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert "usage:" in err

    @pytest.mark.parametrize("bad", ["{bad", "NaN"])
    def test_an_item_that_is_not_json_is_a_usage_error(self, capsys, db, bad):
        before = logical_dump(db)
        code, out, err = run(capsys, "append", "t", "user", "x", "--item", bad)
        assert (code, out) == (2, "") and "usage:" in err
        assert "argument --item: not valid JSON" in err
        assert logical_dump(db) == before


class TestReading:
    def test_threads(self, capsys, db):
        code, out, _ = run(capsys, "threads")
        assert code == 0
        header, row = out.splitlines()
        assert header.split() == ["ID", "TITLE", "ENTRIES", "LEAVES", "UPDATED"]
        assert row.split()[:5] == ["t", "Test", "thread", "4", "2"]

    def test_threads_json_search_limit_and_archived(self, capsys, db):
        with threadtree.open(db) as store:
            store.create_thread("Other 100%", thread_id="o")
            store.archive_thread("o")
        _, out, _ = run(capsys, "threads", "--json")
        assert [(t["id"], t["entry_count"], t["leaf_count"]) for t in json.loads(out)] == [("t", 4, 2)]
        _, out, _ = run(capsys, "threads", "--json", "--archived", "--search", "100%")
        assert [t["id"] for t in json.loads(out)] == ["o"]
        _, out, _ = run(capsys, "threads", "--json", "--archived", "--limit", "1")
        assert len(json.loads(out)) == 1

    def test_show_prints_the_live_path(self, capsys, db):
        code, out, _ = run(capsys, "show", "t")
        with threadtree.open(db) as store:
            ids = entry_ids(store)
        # b has a sibling (x, forked from a): show marks it "< 1/2 >", as chat apps' switchers do.
        assert out == f"[{ids['a']}] user\na\n\n[{ids['b']}] user  < 1/2 >\nb\n\n[{ids['c']}] user\nc\n"
        _, out, _ = run(capsys, "show", "t", "--limit", "1", "--json")
        assert [e["content"] for e in json.loads(out)] == ["c"]

    def test_show_prints_multi_line_text_whole(self, capsys, db):
        with threadtree.open(db) as store:
            store.append("t", "assistant", "line one\nline two")
        _, out, _ = run(capsys, "show", "t", "--limit", "1")
        assert out.endswith("assistant\nline one\nline two\n")

    def test_tree_marks_the_live_path(self, capsys, db):
        code, out, _ = run(capsys, "tree", "t")
        assert code == 0
        assert [line.split("● ")[1] for line in out.splitlines() if "●" in line] == [
            "1 user: a", "2 user: b", "4 user: c",
        ]
        _, out, _ = run(capsys, "tree", "t", "--ascii", "--max-depth", "1")
        assert out.isascii() and "c" not in out.split()

    def test_tree_json_lists_every_entry(self, capsys, db):
        _, out, _ = run(capsys, "tree", "t", "--json")
        tree = json.loads(out)
        assert tree["thread_id"] == "t" and tree["current_leaf_id"] == 4
        assert [(e["id"], e["parent_id"], e["current"]) for e in tree["entries"]] == [
            (1, None, True), (2, 1, True), (3, 1, False), (4, 2, True),
        ]

    def test_leaves(self, capsys, db):
        _, out, _ = run(capsys, "leaves", "t")
        assert out.splitlines() == ["  3  depth 1  assistant: x", "* 4  depth 2  user: c"]
        _, out, _ = run(capsys, "leaves", "t", "--json")
        assert [(e["id"], e["live"]) for e in json.loads(out)] == [(3, False), (4, True)]

    def test_diff_shows_the_ancestor_and_both_tails(self, capsys, db):
        _, out, _ = run(capsys, "diff", "3", "4")
        assert out.splitlines() == [
            "common ancestor: 1 user: a",
            "",
            "--- 3 (1 entry after it)",
            "- 3 assistant: x",
            "",
            "+++ 4 (2 entries after it)",
            "+ 2 user: b",
            "+ 4 user: c",
        ]
        _, out, _ = run(capsys, "diff", "3", "4", "--json")
        diff = json.loads(out)
        assert diff["ancestor"]["id"] == 1 and [e["id"] for e in diff["b"]] == [2, 4]

    def test_diff_across_threads_has_no_ancestor(self, capsys, db):
        with threadtree.open(db) as store:
            store.create_thread(thread_id="u")
            other = store.append("u", "user", "elsewhere").id
        _, out, _ = run(capsys, "diff", "4", str(other), "--json")
        diff = json.loads(out)
        assert diff["ancestor"] is None and len(diff["a"]) == 3 and len(diff["b"]) == 1

    def test_check_ok_and_json(self, capsys, db):
        assert run(capsys, "check")[:2] == (0, "ok\n")
        assert run(capsys, "check", "t", "--json")[:2] == (0, "[]\n")

    def test_check_exits_one_on_problems(self, capsys, db):
        damage(db, "update entries set depth = 9 where id = 2")
        code, out, _ = run(capsys, "check")
        assert code == 1 and out == "thread 't': wrong-depth: entry 2 has depth 9, but it is 1 below its root\n"
        code, out, _ = run(capsys, "check", "--json")
        assert code == 1 and json.loads(out)[0]["kind"] == "wrong-depth"

    def test_export_openai_is_the_live_path(self, capsys, db):
        _, out, _ = run(capsys, "export", "t", "--format", "openai")
        assert json.loads(out) == [{"role": "user", "content": c} for c in "abc"]

    def test_export_jsonl_is_lossless(self, capsys, db):
        with threadtree.open(db) as store:
            store.append("t", "assistant", "with item", item={"tool_calls": [1, {"x": None}]})
            thread, entries = store.get_thread("t"), store.entries("t")
        _, out, _ = run(capsys, "export", "t", "--format", "jsonl")
        lines = [json.loads(line) for line in out.splitlines()]
        # Every field of the thread but the counts a listing adds (the entries follow).
        fields = threadtree.records.attrs.asdict(thread)
        assert (fields.pop("entry_count"), fields.pop("leaf_count")) == (None, None)
        assert lines[0] == {"type": "thread", **json.loads(json.dumps(fields))}
        assert [line["type"] for line in lines[1:]] == ["entry"] * len(entries)
        assert [threadtree.Entry(**{k: v for k, v in line.items() if k != "type"}) for line in lines[1:]] == entries

    @pytest.mark.parametrize("fmt, start", [("dot", 'digraph "t" {'), ("mermaid", "flowchart TD")])
    def test_export_diagrams(self, capsys, db, fmt, start):
        _, out, _ = run(capsys, "export", "t", "--format", fmt)
        assert out.startswith(start)

    def test_reading_never_changes_the_file(self, capsys, db):
        before = fingerprint(db)
        for argv in (["threads"], ["show", "t"], ["tree", "t"], ["leaves", "t"], ["diff", "3", "4"],
                     ["check"], ["export", "t", "--format", "jsonl"]):
            assert run(capsys, *argv)[0] == 0
        assert fingerprint(db) == before

    def test_reading_does_not_migrate_and_says_so(self, capsys, db, monkeypatch):
        sql = sql_folder(db)
        real = sql.migrations()
        monkeypatch.setattr(sql, "migrations", lambda: (*real, (len(real) + 1, "create table later (x integer);")))
        before = fingerprint(db)
        code, _, err = run(capsys, "show", "t")
        assert code == 1 and "needs its schema upgraded" in err and "write command" in err
        assert fingerprint(db) == before
        assert run(capsys, "new", "--id", "n")[0] == 0  # a write migrates it
        assert run(capsys, "show", "t")[0] == 0

    def test_reading_a_missing_file_does_not_create_it(self, capsys, tmp_path):
        code, _, err = run(capsys, "--db", str(tmp_path / "none.db"), "threads")
        assert code == 1 and err == f"threadtree: error: no database at {str(tmp_path / 'none.db')!r}\n"
        assert not (tmp_path / "none.db").exists()


class TestWriting:
    def test_new_prints_the_id(self, capsys, db):
        code, out, _ = run(capsys, "new", "--title", "Fresh", "--id", "fresh")
        assert (code, out) == (0, "fresh\n")
        code, out, _ = run(capsys, "new")
        assert code == 0 and len(out.strip()) == 32

    def test_append_with_text_item_and_parent(self, capsys, db):
        code, out, _ = run(capsys, "append", "t", "assistant", "hello", "--item", '{"role": "assistant"}')
        new = int(out)
        with threadtree.open(db) as store:
            entry = store.get_entry(new)
            assert (entry.content, entry.item, entry.parent_id) == ("hello", {"role": "assistant"}, 4)
        _, out, _ = run(capsys, "append", "t", "user", "under a", "--parent", "1")
        with threadtree.open(db) as store:
            assert store.get_entry(int(out)).parent_id == 1

    @pytest.mark.parametrize("argv", [["append", "t", "user", "-"], ["append", "t", "user"]])
    def test_append_reads_stdin(self, capsys, db, monkeypatch, argv):
        monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\nsecond line\n"))
        _, out, _ = run(capsys, *argv)
        with threadtree.open(db) as store:
            assert store.get_entry(int(out)).content == "from stdin\nsecond line"

    def test_append_without_text_on_a_terminal_says_what_to_do(self, capsys, db, monkeypatch):
        class Terminal(io.StringIO):
            def isatty(self):
                return True

        monkeypatch.setattr(sys, "stdin", Terminal())
        code, _, err = run(capsys, "append", "t", "user")
        assert code == 1 and "no text" in err

    def test_fork_and_checkout(self, capsys, db):
        _, out, _ = run(capsys, "fork", "3", "user", "deeper")
        forked = int(out)
        with threadtree.open(db) as store:
            assert store.get_thread("t").current_leaf_id == forked
        assert run(capsys, "checkout", "2")[1] == "2\n"
        with threadtree.open(db) as store:
            assert store.get_thread("t").current_leaf_id == 2

    def test_rewind_by_steps(self, capsys, db):
        assert run(capsys, "rewind", "t")[1] == "2\n"
        assert run(capsys, "rewind", "t", "--steps", "1")[1] == "1\n"
        assert run(capsys, "rewind", "t", "--steps", "1")[1] == "\n"  # above the root: empty path
        code, _, err = run(capsys, "rewind", "t")
        assert code == 1 and "goes above the root" in err

    def test_rm_archive_unarchive(self, capsys, db):
        assert run(capsys, "archive", "t")[0] == 0
        assert json.loads(run(capsys, "threads", "--json")[1]) == []
        assert run(capsys, "unarchive", "t")[0] == 0
        code, out, err = run(capsys, "rm", "t")
        assert (code, out, err) == (0, "", "deleted thread 't' and its 4 entries\n")
        assert run(capsys, "show", "t")[0] == 1

    def test_demo_builds_a_branching_thread(self, capsys, db):
        code, out, _ = run(capsys, "demo")
        assert code == 0 and "live path:" in out and "├─╼" in out
        with threadtree.open(db) as store:
            (demo,) = [t for t in store.list_threads() if t.metadata.get("demo")]
            assert len(store.leaves(demo.id)) >= 3
            assert store.check() == []


class TestErrors:
    @pytest.mark.parametrize(
        "argv, message",
        [
            (["show", "nope"], "thread 'nope' does not exist"),
            (["checkout", "999"], "entry 999 does not exist"),
            (["fork", "999", "user", "x"], "entry 999 does not exist"),
            (["append", "t", "", "x"], "role must be a non-empty string"),
            (["new", "--id", "t"], "thread 't' already exists"),
            (["append", "t", "user", "x", "--parent", "999"], "entry 999 (parent_id) does not exist"),
        ],
    )
    def test_threadtree_errors_are_one_line_and_exit_one(self, capsys, db, argv, message):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "")
        assert err.startswith("threadtree: error: ") and message in err and err.count("\n") == 1

    def test_a_garbage_file(self, capsys, tmp_path):
        path = tmp_path / "garbage.db"
        path.write_bytes(b"garbage " * 1000)
        for argv in (["threads"], ["new"]):
            code, _, err = run(capsys, "--db", str(path), *argv)
            assert code == 1 and "not an SQLite file" in err and err.count("\n") == 1

    def test_a_newer_schema(self, capsys, db):
        set_schema_version(db, 99)
        code, _, err = run(capsys, "threads")
        assert code == 1 and "newer threadtree" in err

    def test_a_directory(self, capsys, tmp_path):
        for argv in (["threads"], ["new"]):
            code, _, err = run(capsys, "--db", str(tmp_path), *argv)
            assert code == 1 and "it is a directory" in err

    def test_a_database_error_is_one_line_too(self, capsys, db, monkeypatch):
        def broken(self, *args, **kwargs):
            raise apsw.IOError("disk I/O error")

        monkeypatch.setattr(threadtree.Store, "list_threads", broken)
        code, _, err = run(capsys, "threads")
        assert (code, err) == (1, "threadtree: error: disk I/O error (IOError)\n")

    def test_a_driver_error_in_a_fresh_process_is_one_line_too(self, db, engine):
        # A process of its own: PostgreSQL's driver is imported only when a URL is opened,
        # after the CLI decided which errors it tells in one line.
        error = "apsw.IOError('disk I/O error')" if engine == "sqlite" else "psycopg.OperationalError('server closed the connection')"
        code = (
            "import sys, threadtree\nfrom threadtree.cli import main\n"
            "def broken(self, *args, **kwargs):\n"
            f"    import {error.split('.')[0]}\n    raise {error}\n"
            "threadtree.Store.list_threads = broken\nsys.exit(main(['threads']))\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        name = error.split(".")[1].split("(")[0]
        message = error.split("'")[1]
        assert (done.returncode, done.stdout, done.stderr) == (1, "", f"threadtree: error: {message} ({name})\n")

    def test_db_option_after_the_command_and_environment(self, capsys, db, tmp_path, monkeypatch):
        other = tmp_path / "other.db"
        assert run(capsys, "new", "--db", str(other), "--id", "here")[0] == 0
        monkeypatch.setenv("THREADTREE_DB", str(other))
        assert [t["id"] for t in json.loads(run(capsys, "threads", "--json")[1])] == ["here"]


class TestColour:
    """Colour only on a terminal, and never with NO_COLOR: checked on a real pseudo-terminal."""

    @staticmethod
    def _on_a_terminal(db, env_extra):
        import pty

        code = f"import sys; from threadtree.cli import main; sys.exit(main(['--db', {str(db)!r}, 'leaves', 't']))"
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env_extra
        leader, follower = pty.openpty()
        done = subprocess.run([sys.executable, "-c", code], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(leader)
        assert done.returncode == 0, done.stderr
        return out.decode()

    @pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
    def test_a_terminal_gets_colour(self, db):
        assert "\x1b[" in self._on_a_terminal(db, {})

    @pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
    def test_no_color_turns_it_off(self, db):
        assert "\x1b[" not in self._on_a_terminal(db, {"NO_COLOR": "1"})

    def test_a_pipe_gets_none(self, capsys, db):
        assert "\x1b[" not in run(capsys, "leaves", "t")[1]


@pytest.mark.slow
def test_every_command_through_the_installed_console_script(tmp_path):
    """Each subcommand once as a real process of the `threadtree` script pip installed."""
    assert SCRIPT.exists(), f"the console script is not installed at {SCRIPT}"
    env = {**os.environ, "THREADTREE_DB": str(tmp_path / "cli.db"), "NO_COLOR": "1"}

    def tt(*argv, stdin=None, code=0):
        done = subprocess.run([str(SCRIPT), *argv], input=stdin, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == code, (argv, done.stdout, done.stderr)
        return done.stdout

    assert "live path:" in tt("demo")
    tid = tt("new", "--title", "Scripted").strip()
    first = tt("append", tid, "user", "-", stdin="hello\n").strip()
    second = tt("append", tid, "assistant", "hi there").strip()
    forked = tt("fork", first, "assistant", "hey").strip()
    assert tt("checkout", second).strip() == second
    assert tt("rewind", tid, "--steps", "1").strip() == first
    assert tid in tt("threads")
    assert "hello" in tt("show", tid)
    assert "hi there" in tt("tree", tid)
    assert forked in tt("leaves", tid)
    assert "common ancestor" in tt("diff", second, forked)
    assert tt("check").strip() == "ok"
    assert json.loads(tt("export", tid, "--format", "openai")) == [{"role": "user", "content": "hello"}]
    tt("archive", tid)
    tt("unarchive", tid)
    tt("rm", tid)
    assert "does not exist" in subprocess.run(
        [str(SCRIPT), "show", tid], capture_output=True, text=True, env=env
    ).stderr
    tt("bogus", code=2)
    assert logical_dump(tmp_path / "cli.db")["threads"]


def test_demo_works_on_a_fresh_machine_with_nothing_configured(capsys, monkeypatch, tmp_path):
    """The README's first command: no THREADTREE_DB, no data folder yet."""
    monkeypatch.delenv("THREADTREE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert f"in {tmp_path / 'fresh' / 'threadtree' / 'threadtree.db'}" in out
