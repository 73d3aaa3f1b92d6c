"""Importing simonw/llm's logs.db (threadtree/formats/llm.py, docs/formats.md section 16), made
by llm itself with a scripted model (tests/llm_model.py): the legacy conversations / responses
tables by llm 0.31 (installed beside the test's llm, run in a subprocess), the message store by
the installed llm (forks and edited turns included), and a legacy file continued by the new
llm, as an upgrade leaves it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

llm = pytest.importorskip("llm")

from llm.logs import LogStore  # noqa: E402

import threadtree  # noqa: E402
from threadtree.formats import detect, import_file  # noqa: E402

from .helpers import logical_dump  # noqa: E402
from .llm_model import Scripted, log_conversations, log_one_more, logs_db  # noqa: E402
from .peer_files import Untouched, cli_import, shape  # noqa: E402

HERE = Path(__file__).resolve().parent
FRAGMENT = "A fragment long enough to be stored by reference."
LEGACY_LLM = "llm==0.31"  # the last llm that wrote the conversations / responses tables


@pytest.fixture(scope="session")
def legacy_llm(tmp_path_factory):
    """A folder holding llm 0.31 (and sqlite-migrate, which it needs), for PYTHONPATH."""
    target = tmp_path_factory.mktemp("llm-0.31")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), LEGACY_LLM,
         "sqlite-migrate"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"{LEGACY_LLM} cannot be installed here: {done.stderr.strip().splitlines()[-1:]}")
    return target


def run_legacy(legacy_llm, *args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(legacy_llm), str(HERE.parent)]))
    done = subprocess.run([sys.executable, str(HERE / "llm_model.py"), *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def legacy(legacy_llm, tmp_path):
    path = tmp_path / "src" / "logs.db"
    path.parent.mkdir()
    run_legacy(legacy_llm, "legacy", str(path))
    tables = {name for (name,) in sqlite3.connect(path).execute("select name from sqlite_schema")}
    assert "responses" in tables and "messages" not in tables  # llm 0.31 wrote it
    return path


def conversation_id(path, name):
    return sqlite3.connect(path).execute("select id from conversations where name = ?", [name]).fetchone()[0]


def thread_of(store, source_id):
    (thread,) = [t for t in store.list_threads(limit=None) if t.source_id == source_id]
    return thread.id


class TestLegacyTables:
    def test_a_conversation_is_a_chain_of_prompts_and_responses(self, legacy, store):
        watch = Untouched(legacy)
        assert detect(legacy) == "llm"
        report = import_file(store, legacy)
        assert [(o.status, o.added, o.title) for o in report.outcomes] == [
            ("imported", 9, "hello there"), ("imported", 2, "another one")
        ]
        tid = thread_of(store, conversation_id(legacy, "hello there"))
        tree, leaf = shape(store, tid)
        assert [(role, text) for _, role, text in tree.values()] == [
            ("system", "be brief"),
            ("user", "hello there"), ("assistant", "You said: hello there"),
            ("user", f"{FRAGMENT}\nhow are you"), ("assistant", f"You said: {FRAGMENT}\nhow are you"),
            ("user", "please add 2 and 3"), ("assistant", 'add({"a": 2, "b": 3})'),
            ("tool", "5"), ("assistant", "The sum is 5."),
        ]
        assert [parent for parent, _, _ in tree.values()] == [None, *list(tree)[:-1]]  # one chain
        assert leaf == list(tree)[-1]
        watch.check()

    def test_items_keep_model_times_tokens_fragments_and_tool_calls(self, legacy, store):
        import_file(store, legacy)
        entries = store.entries(thread_of(store, conversation_id(legacy, "hello there")))
        assert entries[0].hidden and not any(e.hidden for e in entries[1:])
        second_prompt, call, result = entries[3], entries[6], entries[7]
        assert second_prompt.item["fragments"] == [
            {"kind": "prompt", "content": FRAGMENT, "source": None}
        ]
        assert call.item["model"] == "scripted" and call.item["datetime_utc"]
        assert call.item["tool_calls"][0] | {"tool_call_id": None} == {
            "id": 1, "tool_id": 1, "name": "add", "arguments": {"a": 2, "b": 3}, "tool_call_id": None
        }
        assert result.item["tool_results"][0]["output"] == "5"
        assert call.usage == {"input_tokens": 5, "output_tokens": 3}
        assert all(e.usage is None for e in entries if e.role != "assistant")
        assert entries[2].created_at >= entries[1].created_at > 0

    def test_importing_again_writes_nothing_and_a_new_response_is_added(self, legacy, legacy_llm, db_path):
        with threadtree.open(db_path) as store:
            import_file(store, legacy)
        before = logical_dump(db_path)
        with threadtree.open(db_path) as store:
            assert {o.status for o in import_file(store, legacy).outcomes} == {"unchanged"}
        assert logical_dump(db_path) == before
        run_legacy(legacy_llm, "more", str(legacy), conversation_id(legacy, "another one"), "and more")
        with threadtree.open(db_path) as store:
            outcomes = [(o.status, o.added) for o in import_file(store, legacy).outcomes]
            assert outcomes == [("unchanged", 0), ("updated", 2)]
            tid = thread_of(store, conversation_id(legacy, "another one"))
            assert [e.content for e in store.path(tid)][-2:] == ["and more", "You said: and more"]

    def test_a_legacy_conversation_continued_by_a_newer_llm_is_one_thread(self, legacy, db_path):
        """llm 0.32 and later continue a legacy conversation in a thread of the same id, sending
        the whole history again as messages: those are the legacy entries, not copies."""
        with threadtree.open(db_path) as store:
            import_file(store, legacy)
        log_one_more(str(legacy), conversation_id(legacy, "hello there"), "after the upgrade")
        with threadtree.open(db_path) as store:
            outcomes = [(o.status, o.added, o.notes) for o in import_file(store, legacy).outcomes]
            assert outcomes == [("updated", 2, []), ("unchanged", 0, [])]
            tid = thread_of(store, conversation_id(legacy, "hello there"))
            assert [e.content for e in store.path(tid)][-3:] == ["The sum is 5.", "after the upgrade",
                                                                  "You said: after the upgrade"]
            assert len(store.entries(tid)) == 11 and len(store.leaves(tid)) == 1


@pytest.fixture
def store_file(tmp_path):
    """A logs.db of the installed llm: log_conversations, then a fork of 'chat' after its first
    reply continued on its own, then 'chat' again with its last question asked differently
    (a turn whose tip leaves the thread's chain), then a message with an attachment."""
    path = tmp_path / "src" / "logs.db"
    path.parent.mkdir()
    log_conversations(str(path))
    db = logs_db(str(path))
    store = LogStore(db)
    chat = db.execute("select id from threads where name = 'hello there'").fetchone()[0]
    first_reply = db.execute(
        "select m.hash from messages m join parts p on p.message_hash = m.hash where p.text = 'You said: hello there'"
    ).fetchone()[0]
    fork = store.fork(first_reply, name="what if", forked_from=chat)
    model = Scripted()
    response = model.prompt("a question on the fork", messages=store.thread_messages(fork))
    response.text()
    store.log(response, thread_id=fork)
    history = store.thread_messages(chat)
    response = model.prompt("please add 4 and 4", messages=history[:5])  # asked again, no tools
    response.text()
    store.log(response, thread_id=chat)
    response = model.prompt("what is this?", attachments=[llm.Attachment(content=b"\x89PNG\r\n", type="image/png")])
    response.text()
    response.log_to_db(db)
    db.close()
    return path


class TestMessageStore:
    def test_forks_and_edited_turns_are_branches_sharing_what_they_share(self, store_file, store):
        watch = Untouched(store_file)
        assert detect(store_file) == "llm"
        report = import_file(store, store_file)
        messages = sqlite3.connect(store_file).execute("select count(*) from messages").fetchone()[0]
        assert report.added == messages  # each message once, however many chains hold it
        tid = thread_of(store, sqlite3.connect(store_file).execute(
            "select id from threads where name = 'hello there'").fetchone()[0])
        leaves = [e.content for e in store.leaves(tid)]
        # in id order: depth first, so the edited turn (under the second reply) comes before the fork
        assert leaves == ["The sum is 5.", "You said: please add 4 and 4", "You said: a question on the fork"]
        first_reply = store.find_entry(tid, sqlite3.connect(store_file).execute(
            "select message_hash from parts where text = 'You said: hello there'").fetchone()[0])
        assert [e.content for e in store.children(first_reply.id)] == [f"{FRAGMENT}\nhow are you", "a question on the fork"]
        # the thread used last is 'chat' (the edited turn): its tip is live
        assert store.path(tid)[-1].content == "You said: please add 4 and 4"
        assert set(store.get_thread(tid).metadata["source"]["threads"]) == set(
            r[0] for r in sqlite3.connect(store_file).execute("select id from threads where name != 'another one' and name != 'what is this?'")
        )
        watch.check()

    def test_parts_turns_and_usage_are_kept(self, store_file, store):
        import_file(store, store_file)
        entries = {e.content: e for t in store.list_threads(limit=None) for e in store.entries(t.id)}
        system = entries["be brief"]
        assert system.hidden and system.role == "system"
        asked = entries[f"{FRAGMENT}\nhow are you"]  # the fragment's text resolved from its reference
        stored = sqlite3.connect(store_file).execute(
            "select payload from parts where message_hash = ?", [asked.source_id]).fetchone()[0]
        assert "text_ref" in stored and FRAGMENT not in stored
        assert [part["text"] for part in asked.item["parts"]] == [f"{FRAGMENT}\nhow are you"]
        reply = entries["You said: hello there"]
        assert reply.item["turn"]["model"] == "scripted" and reply.usage == {"input_tokens": 2, "output_tokens": 3}
        picture = entries["what is this?\n[attachment image/png]"]
        (attachment,) = [p["attachment"] for p in picture.item["parts"] if p["type"] == "attachment"]
        assert attachment["type"] == "image/png" and set(attachment) == {"id", "type", "path", "url"}

    def test_importing_again_writes_nothing_and_a_new_turn_is_added(self, store_file, db_path):
        with threadtree.open(db_path) as store:
            import_file(store, store_file)
        before = logical_dump(db_path)
        with threadtree.open(db_path) as store:
            assert {o.status for o in import_file(store, store_file).outcomes} == {"unchanged"}
        assert logical_dump(db_path) == before
        db = logs_db(str(store_file))
        other = db.execute("select id from threads where name = 'another one'").fetchone()[0]
        response = Scripted().prompt("once more", messages=LogStore(db).thread_messages(other))
        response.text()
        LogStore(db).log(response, thread_id=other)
        db.close()
        with threadtree.open(db_path) as store:
            changed = [(o.status, o.added) for o in import_file(store, store_file).outcomes if o.status != "unchanged"]
            assert changed == [("updated", 2)]


def test_the_command_line_imports_in_a_real_process_and_leaves_the_file_alone(store_file, tmp_path):
    watch = Untouched(store_file)
    db = tmp_path / "cli.db"
    done = cli_import(db, store_file)
    assert done.returncode == 0, done.stderr
    assert "(llm): 3 imported" in done.stdout
    again = cli_import(db, store_file, "--format", "llm")
    assert again.returncode == 0 and "0 imported, 0 updated, 3 unchanged" in again.stdout
    watch.check()
