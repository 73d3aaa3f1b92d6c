"""Start-up benchmark: how long a whole process takes to import threadtree or run a quick command.

    python benchmarks/startup.py                 # 21 runs of each command, each code (about 30 s)
    python benchmarks/startup.py --runs 5        # a smoke run
    python benchmarks/startup.py --baseline eager

Measured, each in a fresh process (``subprocess.run``), the median of ``--runs`` runs of the
wall clock (Python's own start included) and of the process's CPU time (user + system, which
the load of a shared machine disturbs less):

* ``python -c "import threadtree"``;
* ``threadtree --help`` and ``threadtree --db EMPTY threads`` (a database with no thread),
  started as the ``threadtree`` script that pip writes starts them.

Each is run against two copies of the code, alternately (one run of each in turn, so that a
machine whose load changes slows both alike):

* **current**: this checkout (a copy of its ``threadtree/`` and ``sql/``);
* **baseline**: ``--baseline REF`` (default ``BASELINE_REF``, the last commit before networkx,
  apsw.ext and the format readers were made lazy), extracted with ``git archive`` into a
  temporary folder; or ``--baseline eager``: this checkout with what it used to import at
  start-up imported first (networkx, apsw.bestpractice, threadtree.drawing, threadtree.formats
  and its readers). ``eager`` is the fallback where there is no git history (an sdist).

Both run with the same interpreter, from a temporary folder, with ``PYTHONPATH`` naming the
copy, and from bytecode (``.pyc``) written by an untimed first run, as after ``pip install``
(``--no-bytecode``: compiled at every start, as an editable install is where
``PYTHONDONTWRITEBYTECODE`` is set). Two more lines give the scale: the interpreter alone, and
with apsw, orjson and attrs, which every threadtree call needs (no change to threadtree can go
below that).

Target (issue 15): each command at least 3x faster than the baseline (wall clock). A missed
target is printed, not an error.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REF = "b758aa77b3817aebc5517c271709c1ed51636b33"
TARGET_RATIO = 3.0

# What start-up imported before: networkx (via store, graph, check, drawing), apsw.ext (via
# apsw.bestpractice), threadtree.drawing, and the CLI built its parser from the format modules.
_EAGER = (
    "import networkx, apsw.bestpractice, threadtree.drawing, threadtree.formats as f; "
    "f.readers(); f.export_formats(); "
)


# For scale, what no change to threadtree can remove: the interpreter alone, and with the three
# libraries every call needs (apsw, orjson, attrs; these import much of the standard library).
SCALE = (("scale: python -c pass", "pass"), ("scale: import apsw, orjson, attrs", "import apsw, orjson, attrs"))


def commands(db: str, eager: bool) -> dict[str, list[str]]:
    """The measured command lines (after the interpreter), by name. The CLI is started as the
    ``threadtree`` script that pip writes starts it."""
    first = _EAGER if eager else ""
    cli = first + "import sys; from threadtree.cli import main; sys.exit(main())"
    return {
        "import threadtree": ["-c", first + "import threadtree"],
        "threadtree --help": ["-c", cli, "--help"],
        "threadtree threads (empty db)": ["-c", cli, "--db", db, "threads"],
    }


def baseline_tree(ref: str, into: Path) -> Path | None:
    """The code at ``ref`` extracted into ``into``, or None if there is no such git history."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return into


def run_once(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall clock, CPU time) of one whole process, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *argv], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of each command, each code (default 21)")
    parser.add_argument("--baseline", default=BASELINE_REF,
                        help="a git ref to compare with, or 'eager' (default: %(default)s)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="set PYTHONDONTWRITEBYTECODE=1: threadtree's modules are compiled at every start, as "
                             "in an editable install where that variable is set")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="threadtree-startup-") as tmp:
        # One empty database for each side, made by that side's own code: a database made by the
        # newer code carries a schema version the older code refuses to open.
        db, base_db = os.path.join(tmp, "empty.db"), os.path.join(tmp, "empty-baseline.db")
        # As an installed package runs: from bytecode, which pip writes at install time (a
        # PYTHONDONTWRITEBYTECODE left set would make every run compile every module again).
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "THREADTREE_DB", "PYTHONDONTWRITEBYTECODE")}
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        # A copy of this checkout's code, so that both sides start without .pyc files of
        # their own (PYTHONDONTWRITEBYTECODE stops writing them, not reading them).
        for folder in ("threadtree", "sql"):
            shutil.copytree(ROOT / folder, Path(tmp, "current", folder), ignore=shutil.ignore_patterns("__pycache__"))
        current = dict(env, PYTHONPATH=str(Path(tmp, "current")))
        base_dir = None if args.baseline == "eager" else baseline_tree(args.baseline, Path(tmp, "baseline"))
        if base_dir is None:
            if args.baseline != "eager":
                print(f"no git history for {args.baseline}: the baseline is 'eager'")
            baseline, label = current, "eager imports (networkx, apsw.ext, the format readers) first"
        else:
            baseline, label = dict(env, PYTHONPATH=str(base_dir)), f"the code at {args.baseline[:12]}"
        run_once(["-c", f"import threadtree; threadtree.open({db!r}).close()"], current, tmp)
        run_once(["-c", f"import threadtree; threadtree.open({base_db!r}).close()"], baseline, tmp)

        now = commands(db, eager=False)
        before = commands(base_db, eager=base_dir is None)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {load:.2f}; "
              f"medians of {args.runs} runs, whole process{', no bytecode' if args.no_bytecode else ''}")
        print(f"baseline: {label}")
        print(f"{'':32} {'wall clock, ms':^28}   {'CPU time, ms':^28}".rstrip())
        print(f"{'command':32} {'baseline':>9} {'current':>9} {'faster':>8}   {'baseline':>9} {'current':>9} {'faster':>8}")
        missed = []
        for name in now:
            for argv, environment in ((before[name], baseline), (now[name], current)):
                run_once(argv, environment, tmp)  # not timed: writes .pyc files, warms the disk cache
            old, new = [], []
            for _ in range(args.runs):
                old.append(run_once(before[name], baseline, tmp))
                new.append(run_once(now[name], current, tmp))
            cells = []
            for kind in (0, 1):  # wall clock, CPU time
                was, now_ = (statistics.median(t[kind] for t in runs) for runs in (old, new))
                cells.append(f"{was * 1000:9.1f} {now_ * 1000:9.1f} {was / now_:7.2f}x")
                if kind == 0 and was / now_ < TARGET_RATIO:
                    missed.append(name)
            print(f"{name:32} {cells[0]}   {cells[1]}")
        for name, code in SCALE:
            runs = [run_once(["-c", code], current, tmp) for _ in range(args.runs)]
            wall, cpu = (statistics.median(t[kind] for t in runs) for kind in (0, 1))
            print(f"{name:32} {'':9} {wall * 1000:9.1f} {'':8}   {'':9} {cpu * 1000:9.1f}")
        print(f"target: {TARGET_RATIO:g}x faster (wall clock): "
              + (f"MISSED by {', '.join(missed)}" if missed else "met by every command"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
