from __future__ import annotations

import os

import pytest

import threadtree

from . import engines


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """No test may touch the real user data directory or inherit a THREADTREE_DB."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.delenv("THREADTREE_DB", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))


def pytest_generate_tests(metafunc):
    # The modules of engines.BOTH run their database tests on SQLite and PostgreSQL.
    if "engine" in metafunc.fixturenames and engines.runs_on_both(metafunc.definition.nodeid):
        metafunc.parametrize("engine", ["sqlite", "postgres"])


def pytest_collection_modifyitems(config, items):
    # A test about SQLite itself (engines.SQLITE_ONLY) has no PostgreSQL run: deselected (and
    # counted as such) rather than skipped, since under CI a database test may not skip.
    kept, dropped = [], []
    for item in items:
        (dropped if _sqlite_only(item) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _sqlite_only(item) -> bool:
    """A PostgreSQL run of a test that engines.SQLITE_ONLY keeps to SQLite."""
    callspec = getattr(item, "callspec", None)
    return (
        callspec is not None
        and callspec.params.get("engine") == "postgres"
        and engines.sqlite_only(item.nodeid) is not None
    )


@pytest.fixture
def engine():
    """The engine a test runs on: ``"sqlite"`` unless its module is in ``engines.BOTH``."""
    return "sqlite"


@pytest.fixture
def db_path(tmp_path, engine, request):
    """The database a test opens: a file in tmp_path, or on PostgreSQL a URL naming a schema
    of its own (see tests/engines.py)."""
    if engine == "sqlite":
        return tmp_path / "threads.db"
    schema = engines.Schema()
    request.addfinalizer(schema.drop)
    return schema.url


@pytest.fixture
def new_db(tmp_path, engine, request):
    """For a test that needs several databases: ``new_db("a")`` names database ``a`` (the same
    one each time it is asked for): a file in tmp_path, or on PostgreSQL a schema of its own."""
    made: dict[str, object] = {}

    def make(name: str):
        if name not in made:
            if engine == "sqlite":
                made[name] = tmp_path / f"{name}.db"
            else:
                schema = engines.Schema()
                request.addfinalizer(schema.drop)
                made[name] = schema.url
        return made[name]

    return make


@pytest.fixture
def store(db_path):
    with threadtree.open(db_path) as store:
        yield store


@pytest.fixture
def thread(store):
    return store.create_thread("test thread", thread_id="t")


@pytest.fixture
def ids(store, thread):
    """Thread 't' holding helpers.BRANCHED: name -> entry id."""
    from .helpers import BRANCHED, build

    return build(store, thread.id, BRANCHED)


@pytest.fixture
def other_thread(store):
    return store.create_thread("other thread", thread_id="other")


def pytest_report_header(config):
    import apsw

    return f"apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}, pid {os.getpid()}"
