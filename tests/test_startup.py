"""Start-up stays light: what ``import threadtree`` and a quick CLI command load.

networkx, matplotlib, apsw.ext and the format readers made up most of the start-up time
(benchmarks/startup.py measures it; no timing is asserted here). Each check runs in a fresh
interpreter and looks at ``sys.modules``, so an eager import anywhere fails it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import threadtree

# Modules only some calls need: the graph, tree, check and drawing calls; connect's settings
# (apsw.bestpractice imports apsw.ext); importing and exporting.
HEAVY = ("networkx", "matplotlib", "apsw.ext", "apsw.bestpractice", "threadtree.formats", "threadtree.serve",
         "starlette", "uvicorn", "threadtree.widget", "anywidget", "ipywidgets")

_LOADED = """
import json, sys
{code}
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _loaded_by(code: str, *args: str, cwd=None) -> tuple[subprocess.CompletedProcess, set[str]]:
    done = subprocess.run([sys.executable, "-c", _LOADED.format(code=code), *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done, set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


def test_import_threadtree_loads_none_of_the_heavy_modules():
    _, modules = _loaded_by("import threadtree")
    assert "threadtree.store" in modules
    assert _heavy(modules) == []


@pytest.mark.parametrize("argv", [["--help"], ["--db", "{db}", "threads"], ["--db", "{db}", "show", "t"]],
                         ids=["help", "threads", "show"])
def test_a_cli_command_without_graphs_or_formats_loads_none_of_them(tmp_path, argv):
    db = tmp_path / "t.db"
    with threadtree.open(db) as store:
        store.create_thread("hello", thread_id="t")
        store.append("t", "user", "hi")
    argv = [a.format(db=db) for a in argv]
    done, modules = _loaded_by("from threadtree.cli import main\ncode = main()", *argv)
    assert done.stdout
    assert _heavy(modules) == []


def test_a_cli_command_that_draws_a_tree_still_loads_networkx(tmp_path):
    """The other side: the lazy stand-in really imports networkx when a command needs it."""
    db = tmp_path / "t.db"
    with threadtree.open(db) as store:
        store.create_thread("hello", thread_id="t")
        store.append("t", "user", "hi")
    done, modules = _loaded_by("from threadtree.cli import main\ncode = main()", "--db", str(db), "tree", "t")
    assert "hi" in done.stdout
    assert "networkx" in modules


def test_the_lazy_modules_are_attributes_of_the_package():
    code = """
import threadtree
assert "formats" in dir(threadtree) and "draw" in dir(threadtree)
assert callable(threadtree.formats.import_file)
assert threadtree.check.KINDS[0] == "integrity"
assert callable(threadtree.graph.to_mermaid) and callable(threadtree.draw)
try:
    threadtree.no_such_name
except AttributeError as exc:
    assert "no_such_name" in str(exc)
else:
    raise AssertionError("threadtree.no_such_name did not raise")
"""
    _loaded_by(code)


def test_the_format_choices_are_still_checked_and_listed(tmp_path):
    """--format's choices come from the format modules only when read: still offered in help
    and still enforced (argparse's exit 2)."""
    run = [sys.executable, "-m", "threadtree", "--db", str(tmp_path / "t.db")]
    helped = subprocess.run([*run, "import", "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "chatgpt" in helped.stdout and "claude-code" in helped.stdout
    bad = subprocess.run([*run, "export", "t", "--format", "nope"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "invalid choice: 'nope'" in bad.stderr and "'openwebui'" in bad.stderr and "'mermaid'" in bad.stderr
