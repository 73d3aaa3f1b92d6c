"""PostgreSQL's own search index (migration 0005): what test_navigation.py's FTS5 tests look at
on SQLite, looked at here on a server. The behaviour of search itself is tested on both engines
in test_navigation.py; these are about how PostgreSQL keeps the words."""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest

import threadtree
from threadtree._db.postgres.engine import SQL

from . import engines
from .helpers import damage


@pytest.fixture
def url():
    schema = engines.Schema()
    yield schema.url
    schema.drop()


def words_of(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("select id, content, search_words::text from entries order by id").fetchall()


def test_the_words_are_stored_not_the_text(url):
    """The index holds each entry's words and their positions (a tsvector), never a second copy
    of the text: snippets are made from the content itself."""
    with threadtree.open(url) as store:
        store.create_thread(thread_id="t")
        store.append("t", "user", "Lisbon: grilled sardines and a Café, grilled.")
        [hit] = store.search("cafe")
        assert hit.snippet == "Lisbon: grilled sardines and a «Café», grilled."
    [(_, _, words)] = words_of(url)
    assert words == "'a':5 'and':4 'cafe':6 'grilled':2,7 'lisbon':1 'sardines':3"
    with psycopg.connect(url, autocommit=True) as conn:
        types = conn.execute(
            "select data_type from information_schema.columns"
            " where table_schema = current_schema() and table_name = 'entries' and column_name = 'search_words'"
        ).fetchall()
        assert types == [("tsvector",)]
        [(kind,)] = conn.execute(
            "select indexdef from pg_indexes where schemaname = current_schema() and indexname = 'entries_search'"
        ).fetchall()
        assert "gin (search_words)" in kind


def test_every_write_keeps_the_words_in_step(url):
    """A generated column: appends, imports that rewrite a text, copies and deletes all leave
    every entry's words what its text reads as."""
    from threadtree.formats import Conversation, Node, _engine

    with threadtree.open(url) as store:
        store.create_thread(thread_id="t")
        a = store.append("t", "user", "walruses")
        store.fork(a.id, "user", "narwhals")
        copy = store.copy_thread(a.id)
        _engine.write_conversation(
            store, Conversation("test", "c1", "T", [Node("r", None, "user", "draft", None)], "r")
        )
        _engine.write_conversation(
            store, Conversation("test", "c1", "T", [Node("r", None, "user", "final", None)], "r")
        )
        store.delete_thread(copy.id)
        assert store.search("draft") == [] and len(store.search("final")) == 1
    with psycopg.connect(url, autocommit=True) as conn:
        stale = "select id from entries where search_words is distinct from threadtree_search_words(content)"
        assert conn.execute(stale).fetchall() == []
        assert conn.execute("select count(*) from entries").fetchone() == (3,)


def test_check_names_an_entry_whose_words_are_out_of_step(url):
    """The words are generated, so only a change of the folding under the rows can leave an
    entry behind (here: the column's expression dropped, as a bad manual upgrade could)."""
    with threadtree.open(url) as store:
        store.create_thread(thread_id="t")
        kept = store.append("t", "user", "an albatross")
        lost = store.append("t", "user", "a pelican")
        assert store.check() == []
    damage(
        url,
        "alter table entries alter column search_words drop expression",
        f"update entries set search_words = null where id = {lost.id}",
    )
    with threadtree.open(url) as store:
        problems = [p for p in store.check() if p.kind == "search-index"]
        assert [(p.thread_id, p.entry_id) for p in problems] == [("t", lost.id)]
        assert "not in the search index" in problems[0].message
        assert "search-index" not in {p.kind for p in store.check("t")}  # database-wide, as on SQLite
        assert store.search("pelican") == [] and [h.entry.id for h in store.search("albatross")] == [kept.id]


def test_a_database_from_before_the_index_gains_it(url):
    """A database at schema 4 (before search) is migrated: its entries are searchable."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create table threadtree_schema (one boolean primary key default true check (one), version integer not null)"
        )
        for _, script in SQL.migrations()[:4]:
            conn.execute(script.encode())
        conn.execute("insert into threadtree_schema (version) values (4)")
        conn.execute("insert into threads (id, metadata, created_at, updated_at) values ('old', '{}', 0, 0)")
        conn.execute(
            "insert into entries (thread_id, role, content, created_at, depth)"
            " values ('old', 'user', 'an Albatross from before', 0, 0)"
        )
    with threadtree.open(url) as store:
        [hit] = store.search("albatross")
        assert hit.entry.content == "an Albatross from before" and hit.snippet == "an «Albatross» from before"
        assert store.check() == []
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select version from threadtree_schema").fetchone() == (len(SQL.migrations()),)


@pytest.mark.parametrize("query", ["a & b", "a | !b", "a:*", "a <-> b", "a <2> b", "'", "\\", ":", "(a", "a:A"])
def test_the_query_function_reads_no_syntax(url, query):
    """threadtree_search_query takes phrases as plain text: tsquery's operators are separators."""
    threadtree.open(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        [got] = conn.execute("select threadtree_search_query(%s::jsonb)::text", (json.dumps([query]),)).fetchone()
        [words] = conn.execute(
            "select phraseto_tsquery('simple', %s)::text", (" ".join(re.findall(r"\w+", query)),)
        ).fetchone()
        assert got == words
