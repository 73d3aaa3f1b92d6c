"""Plain message lists read back: the ``openai`` (Chat Completions messages) and ``anthropic``
(Messages API input) exports, and such lists written by other tools (docs/formats.md section 13).
Each file is one linear thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import threadtree
from threadtree.formats import detect, export_thread, import_file, readers

from .helpers import logical_dump


def _thread(store) -> str:
    tid = store.create_thread("API lists").id
    store.append(tid, "system", "Be brief.", hidden=True)
    question = store.append(tid, "user", "What is 6 x 7?\nShow your work.")
    store.append(tid, "assistant", "42")
    store.fork(question.id, "assistant", "Forty-two")  # the live path takes this branch
    store.append(tid, "user", "Thanks!")
    return tid


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "THREADTREE_DB"}
    return subprocess.run([sys.executable, "-m", "threadtree", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def _live(store, tid):
    return [(e.role, e.content, e.hidden) for e in store.path(tid)]


@pytest.mark.parametrize("fmt", ["openai", "anthropic"])
def test_an_export_imports_back_as_one_linear_thread_of_its_live_path(tmp_path, fmt, new_db):
    with threadtree.open(new_db("a")) as store:
        tid = _thread(store)
    exported = _run("--db", str(new_db("a")), "export", tid, "--format", fmt, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    path = tmp_path / f"{fmt}.json"
    path.write_text(exported.stdout, encoding="utf-8")
    assert detect(path) == fmt
    done = _run("--db", str(new_db("b")), "import", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    with threadtree.open(new_db("b")) as store:
        (thread,) = store.list_threads()
        assert (thread.source_format, thread.title) == (fmt, "What is 6 x 7?")
        assert _live(store, thread.id) == [
            ("system", "Be brief.", True), ("user", "What is 6 x 7?\nShow your work.", False),
            ("assistant", "Forty-two", False), ("user", "Thanks!", False),
        ]
        assert len(store.entries(thread.id)) == 4 and len(store.leaves(thread.id)) == 1
        assert store.entries(thread.id)[0].source_id == ("system" if fmt == "anthropic" else "message-1")
    before = logical_dump(new_db("b"))
    again = _run("--db", str(new_db("b")), "import", str(path), cwd=tmp_path)
    assert again.returncode == 0 and "0 imported, 0 updated, 1 unchanged" in again.stdout
    assert logical_dump(new_db("b")) == before


def test_an_openai_export_of_the_imported_thread_gives_the_same_file(tmp_path, new_db):
    messages = [
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"},
                                     {"type": "image_url", "image_url": {"url": "https://example.com/sky.png"}}]},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "18 C, sunny"},
        {"role": "assistant", "content": "Il fait 18 degrés et beau."},
    ]
    path = tmp_path / "chat.json"
    path.write_bytes(orjson.dumps(messages))
    with threadtree.open(new_db("a")) as store:
        (outcome,) = import_file(store, path).outcomes
        entries = store.path(outcome.thread_id)
        assert [(e.role, e.content, e.hidden) for e in entries] == [
            ("developer", "Answer in French.", True),
            ("user", "Weather in Paris?\n[image]", False),
            ("assistant", 'weather({"city":"Paris"})', False),
            ("tool", "18 C, sunny", False),
            ("assistant", "Il fait 18 degrés et beau.", False),
        ]
        assert [e.item for e in entries] == messages
        assert export_thread(store, outcome.thread_id, "openai") == messages


def test_an_anthropic_request_with_tool_blocks_reads_its_roles_and_texts(tmp_path, new_db):
    body = {
        "model": "claude-sonnet-4-5", "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [
            {"role": "user", "content": "List the files."},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should call ls.", "signature": "x"},
                {"type": "tool_use", "id": "t1", "name": "ls", "input": {"path": "."}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a.py\nb.py"}]},
            {"role": "assistant", "content": "a.py and b.py"},
        ],
    }
    path = tmp_path / "request.json"
    path.write_bytes(orjson.dumps(body))
    with threadtree.open(new_db("a")) as store:
        (outcome,) = import_file(store, path).outcomes
        thread = store.get_thread(outcome.thread_id)
        assert [(e.source_id, e.role, e.content, e.hidden) for e in store.path(thread.id)] == [
            ("system", "system", "You are terse.", True),
            ("message-1", "user", "List the files.", False),
            ("message-2", "assistant", 'ls({"path":"."})', False),
            ("message-3", "tool", "a.py\nb.py", False),
            ("message-4", "assistant", "a.py and b.py", False),
        ]
        assert thread.metadata["source"]["header"] == {"model": "claude-sonnet-4-5", "max_tokens": 1024}


def test_two_different_lists_are_two_threads_and_a_longer_list_is_another(tmp_path, new_db):
    """A list carries no ids: the whole list is its key, so nothing is merged by guesswork."""
    short = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    with threadtree.open(new_db("a")) as store:
        ids = []
        for number, messages in enumerate([short, short + [{"role": "user", "content": "Bye"}], short]):
            path = tmp_path / f"{number}.json"
            path.write_bytes(orjson.dumps(messages))
            (outcome,) = import_file(store, path).outcomes
            ids.append((outcome.status, outcome.thread_id))
        assert [status for status, _ in ids] == ["imported", "imported", "unchanged"]
        assert ids[2][1] == ids[0][1] != ids[1][1]


def test_a_large_anthropic_export_is_recognised_from_its_head(tmp_path):
    body = {"system": "Long one.", "messages": [
        {"role": "user" if i % 2 == 0 else "assistant", "content": "word " * 1000} for i in range(400)]}
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    assert path.stat().st_size > 1 << 20
    assert detect(path) == "anthropic"


@pytest.mark.parametrize("text, reason", [
    ('[{"role": "user", "content": "hi"}, 3]', ("message 2", "not a message: an object with a role is expected")),
    ('{"messages": "nope"}', None),
])
def test_a_list_that_is_not_all_messages_is_refused(tmp_path, text, reason):
    path = tmp_path / "x.json"
    path.write_text(text)
    module = {m.NAME: m for m in readers()}["openai" if text.startswith("[") else "anthropic"]
    assert not module.sniff(path.read_bytes(), path)
    if reason:
        (skipped,) = module.read(path)
        assert (skipped.where, skipped.reason) == reason
