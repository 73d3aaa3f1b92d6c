"""Which tests run on both engines, and a throwaway PostgreSQL schema for each test.

A test runs on PostgreSQL too when its module is in ``BOTH`` and it asks for the ``db_path``
fixture (directly, or through ``store``): that fixture then gives a ``postgresql://`` URL
instead of a file, and ``threadtree.open``, ``--db`` and ``helpers.logical_dump`` take either.
``SQLITE_ONLY`` names the tests of those modules that are about SQLite itself (a trigger made
to fail, a file on disk) with the reason; their PostgreSQL runs are deselected (tests/conftest.py).

The server: ``$THREADTREE_TEST_POSTGRES``, a URL of a database the tests may create schemas in
(``.ci/run`` starts one and sets it). Each test gets a schema of its own (``search_path`` in
the URL's options), dropped at its end. Without the variable the PostgreSQL runs skip with one
line saying so; under CI (``THREADTREE_CI``) they fail instead: there they must run.
"""

from __future__ import annotations

import os
import uuid
from typing import Any
from urllib.parse import quote

import pytest

ENV = "THREADTREE_TEST_POSTGRES"

# Not here: test_model and test_fuzz (Hypothesis: one executor per run, and a schema per example would
# make them the slowest modules for the same engine-free logic); and the modules about
# SQLite itself (test_open, test_files, test_hostile, test_migrations, test_busy, test_crash,
# test_faults, test_powerloss, test_schema_rules, test_queries, test_startup; test_security:
# SQLite's hardening, and search).
BOTH = {
    "test_append.py",
    "test_fork_rewind.py",
    "test_threads.py",
    "test_history.py",
    "test_lanes.py",
    "test_bad_input.py",
    "test_visible.py",
    "test_roundtrip.py",
    "test_check.py",
    "test_jobs.py",
    "test_usage.py",
    "test_text_once.py",
    "test_state.py",
    "test_import.py",
    "test_sources.py",
    "test_runs.py",
    "test_navigation.py",
    "test_navigation_cli.py",
    "test_cli.py",
    "test_cli_newcomer.py",
    "test_state_cli.py",
    "test_resolve.py",
    "test_agents.py",
    "test_peers_agents.py",
    "test_peers_files.py",
    "test_peers_langgraph.py",
    "test_peers_llm.py",
    "test_listing.py",
    "test_graph.py",
    "test_draw.py",
    "test_formats_chat_api.py",
    "test_formats_chatgpt.py",
    "test_formats_claude_code.py",
    "test_formats_hostile.py",
    "test_formats_librechat.py",
    "test_formats_openwebui.py",
    "test_formats_others.py",
    "test_serve_http.py",
    "test_widget.py",
    "test_concurrency.py",
    "test_runs_concurrency.py",
    "test_state_concurrency.py",
    "test_limits.py",
    "test_runs_tree.py",
}

SQLITE_ONLY: dict[str, str] = {
    "test_visible.py::TestVisibleTips::test_the_query_agrees_with_networkx": "a Hypothesis test runs under one executor",
    "test_history.py::test_history_goes_with_its_thread": "reads the file through APSW",
    "test_history.py::TestMovesOnEntries::test_an_append_or_a_fork_writes_no_row_of_its_own": "how SQLite stores moves",
    "test_history.py::TestMovesOnEntries::test_a_file_of_schema_10_moves_its_appends_and_forks_onto_their_entries": "an SQLite file of an older schema",
    "test_history.py::TestMovesOnEntries::test_the_database_keeps_the_rule_for_any_connection": "an SQLite trigger",
    "test_history.py::TestMovesOnEntries::test_a_limited_history_reads_no_further_than_its_moves": "counts SQLite's VM steps",
    "test_history.py::TestCheckout::test_a_file_from_before_keeps_its_history_and_can_record_checkouts": "an SQLite file of an older schema",
    "test_append.py::TestExtend::test_a_database_failure_midway_writes_none_of_them": "an SQLite trigger made to fail",
    "test_jobs.py::TestSetTools::test_odd_values_round_trip": "PostgreSQL text cannot hold NUL characters",
    "test_jobs.py::TestSetTools::test_a_failure_in_the_middle_of_the_write_keeps_the_old_list": "an SQLite trigger made to fail",
    "test_jobs.py::TestToolRulesInTheDatabase::test_bad_rows_are_refused[values3]": "bytes in a text column: PostgreSQL's column type stores them as text",
    "test_state.py::TestSchemaRules::test_a_call_id_is_unique_across_threads": "PostgreSQL's keys hold call ids per thread (for Citus); the store refuses a taken one",
    "test_state.py::test_state_queries_never_scan_a_table": "reads SQLite's query plans",
    "test_sources.py::test_a_file_of_the_first_schema_is_migrated_and_keeps_everything": "an SQLite file of an older schema",
    "test_check.py::test_a_root_with_a_depth": "reads SQLite's PRAGMA integrity_check",
    "test_peers_files.py::TestRecognising::test_a_threadtree_database_is_no_peers_file": "copies the SQLite file's bytes",
    "test_listing.py::TestCounts::test_the_listing_is_one_statement_whatever_the_number_of_threads": "traces statements through APSW",
    "test_listing.py::TestPlans::test_time_orders_walk_an_index": "reads SQLite's query plans",
    "test_listing.py::TestPlans::test_find_thread_searches_an_index": "reads SQLite's query plans",
    "test_listing.py::TestFindThread::test_titles_differing_after_a_nul_are_different": "PostgreSQL text cannot hold NUL characters",
    "test_listing.py::test_a_file_from_before_this_migration_gets_the_new_indexes_and_lists": "an SQLite file of an older schema",
    "test_runs_tree.py::TestDeletingBranches::test_a_deleted_branch_is_marked_for_connections_without_foreign_keys": "an SQLite connection with foreign keys off",
    "test_resolve.py::test_lookups_search_indexes_among_100000_threads": "reads SQLite's query plans",
    "test_agents.py::TestBranching::test_a_fresh_session_moving_from_the_end_reads_only_the_last_items": "traces statements through APSW",
    "test_check.py::test_a_damaged_page_is_reported_even_when_integrity_check_cannot_finish": "scribbles over a page of the SQLite file",
    "test_navigation.py::TestSearchIndexInStep::test_the_text_is_stored_once": "reads FTS5's shadow tables (PostgreSQL's words: test_postgres_search.py)",
    "test_navigation.py::TestSearchIndexInStep::test_check_names_an_index_out_of_step": "FTS5's index is a table of its own, which can keep rows of deleted entries (PostgreSQL's: test_postgres_search.py)",
    "test_navigation.py::TestSearchIndexInStep::test_a_file_from_before_the_index_gains_it": "an SQLite file of an older schema (PostgreSQL's: test_postgres_search.py)",
    "test_navigation.py::test_integrity_check_is_engine_specific_and_refused_read_only": "FTS5's integrity-check command, which needs SQLite's write lock",
}


def runs_on_both(nodeid: str) -> bool:
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return module in BOTH


def sqlite_only(nodeid: str) -> str | None:
    """Why the test is SQLite's alone, or None. Keys name a test, or one of its parameters
    (``test_x[a]``: the id without the engine's part)."""
    path, _, rest = nodeid.partition("::")
    name, _, params = rest.partition("[")
    module = path.rsplit("/", 1)[-1]
    params = params[:-1].replace("postgres-", "").replace("-postgres", "").replace("postgres", "")
    if "\\x00" in params:  # pytest writes a NUL of a parameter's id as \x00
        return "PostgreSQL text cannot hold NUL characters"
    found = SQLITE_ONLY.get(f"{module}::{name}")
    return found if found is not None or not params else SQLITE_ONLY.get(f"{module}::{name}[{params}]")


def server_url() -> str:
    """The test server's URL; skip (fail under CI) without one."""
    url = os.environ.get(ENV)
    if url:
        return url
    why = f"no PostgreSQL server for the tests: set {ENV}=postgresql://... (see the README)"
    if os.environ.get("THREADTREE_CI"):
        pytest.fail(f"{why}; under CI (THREADTREE_CI) the PostgreSQL tests must run")
    pytest.skip(why)


def with_schema(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema`` in its options."""
    option = quote(f"-c search_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


class Schema:
    """A fresh schema on the test server, for one test."""

    def __init__(self) -> None:
        import psycopg

        self.server = server_url()
        self.name = f"tt_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f"create schema {self.name}")
        self.url = with_schema(self.server, self.name)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f"drop schema {self.name} cascade")


def dump(url: str) -> dict[str, Any]:
    """Every row of every table of the URL's schema (sequences left out: PostgreSQL does not
    roll them back, by design), and the schema version, as ``helpers.logical_dump`` does for a
    file."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables"
                " where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1"
            )
        ]
        result: dict[str, Any] = {}
        for name in tables:
            rows = conn.execute(f'select * from "{name}"').fetchall()
            result[name] = sorted(rows, key=lambda row: [(type(v).__name__, 0 if v is None else v) for v in row])
        return result
