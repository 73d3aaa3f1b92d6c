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
    for measure in ("import (engine included)", "baseline", "peak memory"):
        assert measure in done.stdout, done.stdout
