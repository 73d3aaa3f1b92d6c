"""The wheel and the sdist carry the sql/ folder, and an installed wheel works on its own.

The wheel is installed into a fresh virtual environment and used from a folder outside the
repository, so nothing can come from the checkout. Dependencies are lent from the test
environment through a .pth file, keeping the test offline and fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from threadtree._db.sqlite import SQL as _sql

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _pip(*args, cwd=None):
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The wheel built from the checkout, the sdist, and a wheel built from that sdist."""
    out = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(out / "wheel"), str(ROOT))
    sdist_dir = out / "sdist"
    done = subprocess.run(
        [sys.executable, "-c", f"from hatchling.build import build_sdist; print(build_sdist({str(sdist_dir)!r}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    sdist = sdist_dir / done.stdout.strip().splitlines()[-1]
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(out / "from-sdist"), str(sdist))
    (wheel,) = (out / "wheel").glob("threadtree-*.whl")
    (wheel_from_sdist,) = (out / "from-sdist").glob("threadtree-*.whl")
    return wheel, sdist, wheel_from_sdist


def _sql_files():
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "sql").rglob("*.sql"))


def test_the_wheels_carry_every_sql_file_inside_the_package(built):
    wheel, _, wheel_from_sdist = built
    expected = {"threadtree/" + name for name in _sql_files()}
    for path in (wheel, wheel_from_sdist):
        names = set(zipfile.ZipFile(path).namelist())
        assert expected <= names, expected - names
        assert not any(name.startswith("tests/") for name in names)
        assert "threadtree/py.typed" in names


def test_the_wheels_carry_the_viewers_scripts_and_styles(built):
    """The web viewer and the notebook widget work offline: their front ends ship inside."""
    wheel, _, wheel_from_sdist = built
    expected = {
        "threadtree/serve/static/index.html", "threadtree/serve/static/app.js", "threadtree/serve/static/lanes.js",
        "threadtree/serve/static/app.css",
        "threadtree/widget/widget.js", "threadtree/widget/widget.css",
    }
    for path in (wheel, wheel_from_sdist):
        names = set(zipfile.ZipFile(path).namelist())
        assert expected <= names, expected - names


def test_the_wheels_and_the_sdist_carry_the_mit_licence(built):
    """A licence file, and the metadata that names it: PEP 639's License-Expression, which
    replaces the licence classifier (a build backend may refuse the two together)."""
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n") and "WITHOUT WARRANTY OF ANY KIND" in licence
    wheel, sdist, wheel_from_sdist = built
    for path in (wheel, wheel_from_sdist):
        with zipfile.ZipFile(path) as archive:
            (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
            fields = archive.read(metadata).decode("utf-8").split("\n\n", 1)[0].splitlines()
            assert "License-Expression: MIT" in fields and "License-File: LICENSE" in fields
            assert not [f for f in fields if f.startswith("Classifier: License ::")]
            assert archive.read(metadata.replace("METADATA", "licenses/LICENSE")).decode("utf-8") == licence
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert "LICENSE" in names


def test_the_sdist_keeps_sql_at_the_top(built):
    _, sdist, _ = built
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert set(_sql_files()) <= names
    assert {"README.md", "pyproject.toml", "threadtree/store.py"} <= names


def test_the_sdist_carries_the_format_notes_the_readers_cite(built):
    _, sdist, _ = built
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert "docs/formats.md" in names


def test_the_installed_wheel_runs_a_path_query_from_outside_the_repository(built, tmp_path):
    wheel, _, _ = built
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    inner_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    # Dependencies (apsw, orjson, attrs, networkx) come from the test environment, after the
    # venv's own site-packages; threadtree itself only from the wheel.
    Path(inner_site, "_lent_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    script = tmp_path / "use_it.py"
    script.write_text(textwrap.dedent("""
        import json, sys
        import threadtree
        from threadtree._db.sqlite import SQL as _sql
        assert sys.prefix in threadtree.__file__, threadtree.__file__
        assert sys.prefix in str(_sql.root), _sql.root
        with threadtree.open("installed.db") as store:
            t = store.create_thread("from the wheel")
            a = store.append(t.id, "user", "a")
            store.append(t.id, "assistant", "b")
            store.fork(a.id, "assistant", "c")
            print(json.dumps({
                "path": [e.content for e in store.path(t.id)],
                "leaves": [e.content for e in store.leaves(t.id)],
                "migrations": len(_sql.migrations()),
            }))
    """))
    run = subprocess.run([str(python), str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "path": ["a", "c"], "leaves": ["b", "c"], "migrations": len(_sql.migrations()),
    }
    # The console script the wheel installs, on a fresh default location.
    home = tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    demo = subprocess.run([str(env_dir / "bin" / "threadtree"), "demo"], capture_output=True, text=True, env=env, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert str(home / "data" / "threadtree" / "threadtree.db") in demo.stdout
