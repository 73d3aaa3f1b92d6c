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


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_runs(example, tmp_path):
    db = tmp_path / "examples.db"
    done = _run([str(example)], tmp_path, db)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    with threadtree.open(db) as store:
        assert store.list_threads(), "the example wrote no thread"


def test_the_quickstart_example_says_where_the_database_is(tmp_path):
    db = tmp_path / "here.db"
    done = _run([str(ROOT / "examples" / "quickstart.py")], tmp_path, db)
    assert f"database: {db}" in done.stdout


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
