"""The benchmark script keeps working (a smoke run: no timing is asserted here; figures
belong in benchmarks/, never in unit tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_core_benchmark_runs_and_reports_every_measure():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "core.py"), "--quick", "--synchronous", "NORMAL"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("append", "extend", "fork at depth 10 ", "path at depth", "leaves:", "bytes on disk"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_chatgpt_import_benchmark_runs_and_reports_every_measure():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_chatgpt.py"), "--messages", "2000"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("import (engine included)", "re-import, nothing changed", "baseline", "peak memory"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_load_benchmark_accounts_for_every_write_and_catches_a_lost_one():
    """Processes with threads (own and shared stores) run clean; then its negative control: one
    acknowledged entry deleted before the checks must be reported as lost and fail the run."""
    script = str(ROOT / "benchmarks" / "load.py")
    done = subprocess.run(
        [sys.executable, script, "--quick", "--processes", "2", "--threads", "2", "--seconds", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("errors: 0;") == 2, done.stdout  # a store per thread, one per process
    for measure in ("append", "fork", "rewind", "path", "leaves", "lost: 0,", "integrity_check: ok",
                    "target: p99 append", "summary: 2 configuration(s), all clean"):
        assert measure in done.stdout, done.stdout
    sabotaged = subprocess.run(
        [sys.executable, script, "--processes", "1", "--seconds", "0.5", "--lose-a-write"],
        capture_output=True, text=True, timeout=120,
    )
    assert sabotaged.returncode == 1, sabotaged.stdout + sabotaged.stderr
    assert "lost: 1," in sabotaged.stdout and "1 FAILED" in sabotaged.stdout, sabotaged.stdout


@pytest.mark.slow
def test_the_load_benchmark_compares_few_with_many_writers():
    """--scaling: rounds of FEW then MANY writer processes, each writer's share reported."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--scaling", "1,2", "--rounds", "2", "--seconds", "0.5"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for measure in ("round 1: 1 writers", "round 2: 1 writers", "2/1", "p99 ms at 2", "share at 2", "median",
                    "range", "targets (medians):", "summary: all clean"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_agents_benchmark_runs_and_reports_every_measure():
    pytest.importorskip("agents")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "agents.py"), "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("add_items", "fork at item 8 ", "fork at item 496", "get_items", "event-loop stall",
                    "bytes on disk per item", "AdvancedSQLiteSession"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_draw_benchmark_runs_and_reports_every_shape():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "draw.py"), "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("fan-out: 1 entry, 10,000 children", "realistic: 300 entries", "deep: a chain", "wide:",
                    "store.graph (baseline)", 'draw, focus="live"', "+ render PNG", "whole thread (3 seeds): lanes"):
        assert measure in done.stdout, done.stdout


@pytest.mark.parametrize("baseline", [[], ["--baseline", "eager"]], ids=["previous-commit", "eager"])
def test_the_startup_benchmark_runs_and_reports_every_command(baseline):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--runs", "1", *baseline],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("import threadtree ", "threadtree --help ", "threadtree threads (empty db) ",
                    "scale: import apsw, orjson, attrs", "baseline: ", "target: 3x faster"):
        assert measure in done.stdout, done.stdout
    assert ("eager imports" in done.stdout) == bool(baseline), done.stdout


@pytest.mark.slow
def test_the_navigation_benchmark_runs_and_reports_every_measure():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "navigation.py"), "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ('search phrase "grilled sardines"', "append (synchronous=FULL), index kept",
                    "append (synchronous=NORMAL)", "branch_points, 1,000-entry path", "switch at depth 10 vs"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_runs_benchmark_runs_and_reports_every_measure():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "runs.py"), "--quick"], capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("before runs (no trigger)", "no runs in the thread", "a thread with runs", "record_leaf_run", "decide"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_peers_import_benchmark_runs_and_checks_every_source():
    """Its own checks (every message imported, the re-import unchanged and writing nothing) run
    on every source file, each made by the peer's own library."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_peers.py"), "--messages", "600", "--rounds", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for source in ("openai-agents ", "openai-agents (advanced)", "llm (legacy tables)", "llm (message store)",
                   "langgraph "):
        assert f"\n{source}" in done.stdout, done.stdout
    assert "the re-import wrote nothing" in done.stdout, done.stdout


@pytest.mark.slow
def test_the_serve_benchmark_runs_and_reports_every_measure():
    pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "serve.py"), "--quick"], capture_output=True, text=True, timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("store.graph(chain)", "open the chain thread", "open the wide thread", "first page of the thread list",
                    "another process's write in an open page"):  # "...: not measured" without a browser
        assert measure in done.stdout


@pytest.mark.slow
def test_the_postgres_benchmark_runs_and_reports_every_measure():
    """On the test server when there is one (a throwaway server of its own is the script's
    default, too slow to start here); skips without one, fails under CI (tests/engines.py)."""
    from . import engines

    url = engines.server_url()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "postgres.py"), "--quick", "--url", url],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("append", "fork at depth 10 ", "path at depth", "leaves of", "8 writer processes on 8 threads",
                    "compare-and-set", "nothing lost or duplicated, one chain", "rows/s", "PostgreSQL 1"):
        assert measure in done.stdout, done.stdout
    assert "MISS nothing lost" not in done.stdout, done.stdout


def test_the_bare_schema_benchmark_runs_and_reports_every_measure():
    pytest.importorskip("agents")  # the depth part times the agents session's fork_at
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bare.py"), "--quick", "--rounds", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("append, NORMAL", "append, FULL", "without the search index", "fork, NORMAL", "fork, FULL",
                    "path at depth", "bytes per message", "path(limit=50) at depth 10,000",
                    "fork_at(-2), new session, depth 10,000", "render_tree: 20,000-entry chain",
                    "graph: 20,000", "check(thread): 20,000", "WAL pages per append", "WAL pages per fork"):
        assert measure in done.stdout, done.stdout


@pytest.mark.slow
def test_the_bare_schema_benchmark_on_postgres_runs_and_reports_every_measure():
    """On the test server (skips without one, fails under CI: tests/engines.py)."""
    from . import engines

    url = engines.server_url()
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bare_postgres.py"), "--quick", "--rounds", "1", "--url", url],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    for measure in ("append, NORMAL", "append, FULL", "fork, NORMAL", "fork, FULL", "path at depth 1,000",
                    "bytes per message", "PostgreSQL 1"):
        assert measure in done.stdout, done.stdout
