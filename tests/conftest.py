from __future__ import annotations

import os

import pytest

import threadtree


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """No test may touch the real user data directory or inherit a THREADTREE_DB."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.delenv("THREADTREE_DB", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "threads.db"


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
