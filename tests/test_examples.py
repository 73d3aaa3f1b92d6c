"""The examples and the README are part of the product: they must run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import threadtree

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def _run(args, cwd, db):
    env = {**os.environ, "THREADTREE_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _run_example(example, tmp_path, **env):
    """Run an example as a user would: no THREADTREE_DB unless given, a HOME and a data
    folder of its own (empty), temporary files under ``tmp_path``. Returns the run and the
    database it printed (``database: PATH``)."""
    folders = {"HOME": tmp_path / "home", "XDG_DATA_HOME": tmp_path / "data", "TMPDIR": tmp_path / "tmp"}
    for folder in folders.values():
        folder.mkdir()
    base = {k: v for k, v in os.environ.items() if k not in ("THREADTREE_DB", "HOME", "XDG_DATA_HOME", "TMPDIR")}
    done = subprocess.run(
        [sys.executable, str(example)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=base | {k: str(v) for k, v in folders.items()} | {"PYTHONIOENCODING": "utf-8"} | env,
    )
    assert done.returncode == 0, done.stderr
    printed = re.search(r"^database: (.+)$", done.stdout, flags=re.M)
    assert printed, f"{example.name} does not say where its database is:\n{done.stdout}"
    return done, Path(printed.group(1))


def _threadtree_files(folder):
    return sorted(p for p in folder.rglob("*") if "threadtree" in p.name and p.is_file())


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs_on_a_file_of_its_own_in_a_temporary_folder(example, tmp_path):
    done, db = _run_example(example, tmp_path)
    assert done.stderr == ""
    assert db.is_relative_to(tmp_path / "tmp"), db
    with threadtree.open(db) as store:
        assert store.list_threads(), "the example wrote no thread"
    # The default database (XDG_DATA_HOME, else ~/.local/share) was left alone.
    assert _threadtree_files(tmp_path / "home") == [] and _threadtree_files(tmp_path / "data") == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_no_example_writes_to_the_database_threadtree_db_names(example, tmp_path):
    """A user who set THREADTREE_DB for the CLI keeps that file as it was."""
    mine = tmp_path / "mine.db"
    _, db = _run_example(example, tmp_path, THREADTREE_DB=str(mine))
    assert not mine.exists() and db != mine


def test_the_quickstart_example_says_where_the_database_is(tmp_path):
    _, db = _run_example(ROOT / "examples" / "quickstart.py", tmp_path)
    with threadtree.open(db) as store:
        assert [t.title for t in store.list_threads()] == ["Planning a trip"]


# Each Python block, and the output the README says it prints (a "prints" text block after it).
README_BLOCKS = re.findall(r"```python\n(.*?)```(?:\s*prints\s*```text\n(.*?)```)?", README, flags=re.S)


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_every_python_block_of_the_readme_runs_and_prints_what_it_says(index, tmp_path):
    block, printed = README_BLOCKS[index]
    script = tmp_path / "block.py"
    script.write_text(block, encoding="utf-8")
    done = _run([str(script)], tmp_path, tmp_path / "readme.db")
    assert done.returncode == 0, done.stderr
    if printed:
        assert done.stdout.rstrip("\n") == printed.rstrip("\n")


def test_the_readme_has_exactly_the_two_set_up_commands():
    commands = re.findall(r"<!-- setup:(\w+) -->\s*```sh\n(.+?)\n```", README)
    assert [name for name, _ in commands] == ["main", "tests"]
    main, tests = (command for _, command in commands)
    assert "pip install ." in main and main.endswith("threadtree demo")
    assert "pip install -e '.[test]'" in tests and "-m pytest" in tests


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- setup:tests -->" in ci and 'bash -c "$command"' in ci
