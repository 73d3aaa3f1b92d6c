"""Reading the peers' SQLite files without touching them (threadtree/_db/peers.py,
threadtree/formats/_peers.py, docs/formats.md section 14): how each kind of file is opened, what
is recognised as a peer's file and what is not, a file that changes during an import, a
damaged file; the MessagePack reader behind the LangGraph importer; sql/peers."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import threadtree
from threadtree import InvalidInput
from threadtree._db.peers import PeerFile
from threadtree.formats import detect, import_file, openai_agents
from threadtree.formats._msgpack import Reader, unpack

from .helpers import logical_dump
from .peer_files import Untouched

ROOT = Path(__file__).resolve().parent.parent


def journal_file(path):
    """An SQLite file in rollback-journal mode holding SQLiteSession's tables (made by sqlite3)."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "create table agent_sessions (session_id text primary key, created_at, updated_at);"
        "create table agent_messages (id integer primary key autoincrement, session_id text not null, "
        "message_data text not null, created_at);"
        "insert into agent_sessions values ('s', '2025-01-31 12:00:00', '2025-01-31 12:00:00');"
        "insert into agent_messages (session_id, message_data, created_at) values "
        "('s', '{\"role\": \"user\", \"content\": \"hi\"}', '2025-01-31 12:00:00');"
    )
    conn.close()
    return path


class TestOpening:
    def test_a_rollback_journal_file_is_opened_read_only_and_nothing_appears(self, tmp_path):
        path = journal_file(tmp_path / "journal.db")
        watch = Untouched(path)
        with PeerFile(path) as peer:
            assert not peer.immutable and "agent_messages" in peer.tables
        watch.check()

    def test_a_closed_wal_file_is_opened_immutable_so_no_wal_or_shm_is_left(self, tmp_path):
        """mode=ro alone would create a -wal and a -shm beside it (and leave them)."""
        path = journal_file(tmp_path / "wal.db")
        conn = sqlite3.connect(path)
        conn.execute("pragma journal_mode=wal")
        conn.close()
        watch = Untouched(path)
        with PeerFile(path) as peer:
            assert peer.immutable
            assert list(peer.rows("agents_messages", {"session_id": "s"}))[0][0] == 1
        watch.check()

    def test_a_wal_file_in_use_is_read_through_its_wal(self, tmp_path):
        path = journal_file(tmp_path / "busy.db")
        app = sqlite3.connect(path)
        app.execute("pragma journal_mode=wal")
        app.execute("pragma wal_autocheckpoint=0")
        app.execute("insert into agent_messages (session_id, message_data) values ('s', '{\"role\": \"user\"}')")
        app.commit()
        try:
            watch = Untouched(path)
            with PeerFile(path) as peer:
                assert not peer.immutable
                assert len(list(peer.rows("agents_messages", {"session_id": "s"}))) == 2
            watch.check()
        finally:
            app.close()

    def test_an_import_stops_when_an_app_writes_to_the_file_under_it(self, tmp_path):
        from agents import SQLiteSession

        path = tmp_path / "sessions.db"
        for sid in ("a", "b"):
            session = SQLiteSession(sid, path)
            asyncio.run(session.add_items([{"role": "user", "content": f"to {sid}"}]))
            session.close()
        conversations = openai_agents.read(path)
        first = next(conversations)
        assert first.source_id == "a"
        session = SQLiteSession("a", path)  # the app writes, and folds its WAL in when it closes
        asyncio.run(session.add_items([{"role": "user", "content": "meanwhile"}]))
        session.close()
        rest = list(conversations)
        assert [(type(r).__name__, getattr(r, "reason", None)) for r in rest] == [
            ("Skipped", "the file changed while it was read (its app wrote to it): import it again")
        ]


class TestRecognising:
    def test_a_threadtree_database_is_no_peers_file(self, db_path, tmp_path):
        """It has a threads table, as llm's message store has: its application_id says whose it is."""
        with threadtree.open(db_path) as store:
            store.create_thread("t")
        copy = tmp_path / "copy.db"
        copy.write_bytes(db_path.read_bytes())
        with pytest.raises(InvalidInput, match="cannot tell the format"):
            detect(copy)

    def test_a_file_of_another_peer_named_as_this_one_is_refused_and_nothing_is_written(self, tmp_path, db_path):
        path = journal_file(tmp_path / "sessions.db")
        with threadtree.open(db_path) as store:
            before = logical_dump(db_path)
            for name in ("llm", "langgraph", "chatgpt"):
                with pytest.raises(InvalidInput, match=f"is not a {name} file .*; it looks like openai-agents"):
                    import_file(store, path, format=name)
        assert logical_dump(db_path) == before

    def test_a_damaged_file_is_reported_not_raised(self, tmp_path, store):
        path = journal_file(tmp_path / "damaged.db")
        data = bytearray(path.read_bytes())
        data[4096:] = b"\xff" * (len(data) - 4096)  # every page but the first
        path.write_bytes(bytes(data))
        report = import_file(store, path, format="openai-agents")
        assert [o.status for o in report.outcomes] == ["skipped"]
        assert "malformed" in report.outcomes[0].reason or "not a database" in report.outcomes[0].reason


class TestMessagePack:
    """The reader against ormsgpack (what LangGraph writes with)."""

    ormsgpack = pytest.importorskip("ormsgpack")

    values = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False)
        | st.text() | st.binary(),
        lambda inner: st.lists(inner, max_size=20) | st.dictionaries(st.text(), inner, max_size=20),
        max_leaves=60,
    )

    @settings(max_examples=300, deadline=None)
    @given(values)
    def test_it_reads_what_ormsgpack_writes(self, value):
        assert unpack(self.ormsgpack.packb(value)) == value

    @settings(max_examples=100, deadline=None)
    @given(values, st.integers(0, 70000), st.integers(0, 127))
    def test_skipping_a_value_lands_on_the_next(self, value, size, code):
        data = self.ormsgpack.packb([value, self.ormsgpack.Ext(code, b"x" * size), "after"])
        reader = Reader(data)
        assert reader.head() == ("array", 3)
        reader.skip()
        reader.skip()
        assert reader.value() == "after"

    def test_a_cut_value_is_an_error(self):
        data = self.ormsgpack.packb({"key": "a value long enough"})
        with pytest.raises(ValueError, match="cut short"):
            unpack(data[:-3])


def test_every_peer_query_is_used_and_every_query_used_exists():
    queries = {p.stem for p in (ROOT / "sql" / "peers" / "queries").glob("*.sql")}
    readers = [*(ROOT / "threadtree" / "formats").glob("*.py"), ROOT / "threadtree" / "_db" / "peers.py"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in readers)
    called = set(re.findall(r'\.(?:rows|records|value)\(\s*"(\w+)"', source))
    named = set(re.findall(r'"(\w+)"', source))
    assert called <= queries, "queries run that sql/peers/queries lacks"
    assert queries <= named, "query files no reader names"
