"""Importing LangGraph SqliteSaver checkpoints (threadtree/formats/langgraph.py, docs/formats.md
section 17), made by a real MessagesState graph whose node is a plain function (no model, no
network): turns, a tool call, a fork by update_state (an edited question), a run started from an
old checkpoint, a removed message. Every state LangGraph's history holds must be a path of the
imported tree, and nothing may be duplicated."""

from __future__ import annotations

import re
import subprocess
import sqlite3
import sys

import pytest

pytest.importorskip("langgraph.checkpoint.sqlite")

from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage  # noqa: E402
from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402
from langgraph.graph import END, START, MessagesState, StateGraph  # noqa: E402

import threadtree  # noqa: E402
from threadtree.formats import detect, import_file  # noqa: E402

from .helpers import logical_dump  # noqa: E402
from .peer_files import Untouched, cli_import  # noqa: E402

_ADD = re.compile(r"add (\d+) and (\d+)")


def bot(state: MessagesState) -> dict:
    """Echo the last question; for "add A and B", a tool call, its result and the answer."""
    text = state["messages"][-1].content
    usage = {"input_tokens": len(text.split()), "output_tokens": 3, "total_tokens": len(text.split()) + 3}
    if match := _ADD.search(text):
        a, b = map(int, match.groups())
        call = {"name": "add", "args": {"a": a, "b": b}, "id": f"call_{a}_{b}"}
        return {"messages": [AIMessage("", tool_calls=[call], usage_metadata=usage),
                             ToolMessage(str(a + b), tool_call_id=call["id"]),
                             AIMessage(f"The sum is {a + b}.", usage_metadata=usage)]}
    return {"messages": [AIMessage(f"You said: {text}", usage_metadata=usage)]}


def graph(conn):
    builder = StateGraph(MessagesState)
    builder.add_node("bot", bot)
    builder.add_edge(START, "bot")
    builder.add_edge("bot", END)
    return builder.compile(checkpointer=SqliteSaver(conn))


def config(thread_id):
    return {"configurable": {"thread_id": thread_id}}


def ask(app, thread_id, *texts):
    for text in texts:
        app.invoke({"messages": [HumanMessage(text)]}, config(thread_id))


@pytest.fixture
def checkpoints(tmp_path):
    """Thread 'chat': a system prompt and three turns, then the third question edited through
    update_state and run again, then a run from the checkpoint after the first turn (the
    latest). Thread 'short': one turn, then its first message removed."""
    path = tmp_path / "src" / "checkpoints.db"
    path.parent.mkdir()
    conn = sqlite3.connect(path, check_same_thread=False)
    app = graph(conn)
    app.invoke({"messages": [SystemMessage("be brief"), HumanMessage("hello")]}, config("chat"))
    ask(app, "chat", "add 2 and 3", "third")
    history = list(app.get_state_history(config("chat")))
    before_bot = next(s for s in history if s.next == ("bot",) and s.values["messages"][-1].content == "third")
    third = before_bot.values["messages"][-1]
    edited = app.update_state(before_bot.config, {"messages": [HumanMessage("third, edited", id=third.id)]})
    app.invoke(None, edited)
    after_first = next(s for s in history if not s.next and len(s.values["messages"]) == 3)
    app.invoke({"messages": [HumanMessage("from the past")]}, after_first.config)
    ask(app, "short", "one", "two")
    first = app.get_state(config("short")).values["messages"][0]
    app.update_state(config("short"), {"messages": [RemoveMessage(id=first.id)]})
    conn.close()
    return path


def states(path, thread_id):
    """Every state of the thread's history, as LangGraph reads it."""
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        app = graph(conn)
        return list(app.get_state_history(config(thread_id))), app.get_state(config(thread_id))
    finally:
        conn.close()


def thread_of(store, source_id):
    (thread,) = [t for t in store.list_threads(limit=None) if t.source_id == source_id]
    return thread.id


def test_a_checkpoint_file_is_detected_by_its_tables(checkpoints):
    assert detect(checkpoints) == "langgraph"


@pytest.mark.parametrize("thread_id", ["chat", "short"])
def test_every_state_of_the_history_is_a_path_and_nothing_is_duplicated(checkpoints, store, thread_id):
    watch = Untouched(checkpoints)
    import_file(store, checkpoints)
    watch.check()  # before LangGraph opens the file again
    history, latest = states(checkpoints, thread_id)
    tid = thread_of(store, thread_id)
    by_source = {e.source_id: e for e in store.entries(tid)}
    distinct = set()
    for state in history:
        messages = state.values.get("messages", [])
        # a node of the tree is a message at the end of one history: a prefix of some state
        distinct.update(tuple((m.id, m.content) for m in messages[: i + 1]) for i in range(len(messages)))
        if not messages:
            continue
        ends = [e for e in by_source.values() if e.item.get("id") == messages[-1].id
                and e.content.startswith(messages[-1].content)]
        assert any([m.content for m in messages] == [_said(e) for e in store.path_to(end.id)] for end in ends), (
            [m.content for m in messages])
    assert len(by_source) == len(distinct)  # one entry per message in its place, however often repeated
    assert len(distinct) < sum(len(s.values.get("messages", [])) for s in history) / 2
    assert [_said(e) for e in store.path(tid)] == [m.content for m in latest.values["messages"]]


def _said(entry):
    """The message's own content (the entry's text adds tool calls)."""
    return entry.item.get("content")


def test_an_edit_by_update_state_is_a_sibling_and_the_latest_checkpoint_is_live(checkpoints, store):
    import_file(store, checkpoints)
    tid = thread_of(store, "chat")
    third = next(e for e in store.entries(tid) if e.content == "third")
    assert [e.content for e in store.siblings(third.id)] == ["third", "third, edited"]
    assert store.get_entry(third.parent_id).content == "The sum is 5."
    assert [e.content for e in store.leaves(tid)] == [
        "You said: third", "You said: third, edited", "You said: from the past"
    ]
    assert store.path(tid)[-1].content == "You said: from the past"
    system = store.path(tid)[0]
    assert system.role == "system" and system.hidden


def test_messages_keep_their_item_role_text_and_usage(checkpoints, store):
    import_file(store, checkpoints)
    entries = {e.content: e for e in store.entries(thread_of(store, "chat"))}
    call = entries['add({"a": 2, "b": 3})']
    assert call.role == "assistant" and call.item["tool_calls"][0]["id"] == "call_2_3"
    assert entries["5"].role == "tool" and entries["5"].item["tool_call_id"] == "call_2_3"
    assert entries["You said: hello"].usage == {"input_tokens": 1, "output_tokens": 3, "total_tokens": 4}
    assert entries["hello"].role == "user" and entries["hello"].item["type"] == "human"
    assert all(e.created_at > 0 for e in entries.values())


def test_importing_again_writes_nothing_and_new_turns_are_added(checkpoints, db_path):
    with threadtree.open(db_path) as store:
        import_file(store, checkpoints)
    before = logical_dump(db_path)
    with threadtree.open(db_path) as store:
        assert {o.status for o in import_file(store, checkpoints).outcomes} == {"unchanged"}
    assert logical_dump(db_path) == before
    conn = sqlite3.connect(checkpoints, check_same_thread=False)
    ask(graph(conn), "chat", "one more")
    conn.close()
    with threadtree.open(db_path) as store:
        outcomes = {o.where: (o.status, o.added) for o in import_file(store, checkpoints).outcomes}
        assert outcomes == {"thread 'chat'": ("updated", 2), "thread 'short'": ("unchanged", 0)}
        assert store.path(thread_of(store, "chat"))[-1].content == "You said: one more"


def test_a_thread_takes_the_langgraph_thread_id_as_its_id(checkpoints, store):
    import_file(store, checkpoints)
    assert sorted((t.id, t.source_id) for t in store.list_threads(limit=None)) == [("chat", "chat"), ("short", "short")]
    assert store.path("chat")[-1].content == "You said: from the past"


def test_a_thread_id_already_taken_gives_the_import_a_new_one_and_a_note(checkpoints, store):
    mine = store.create_thread("mine", thread_id="chat")
    outcomes = {o.where: o for o in import_file(store, checkpoints).outcomes}
    chat = outcomes["thread 'chat'"]
    assert chat.status == "imported" and chat.thread_id != "chat"
    assert chat.notes == ["a thread 'chat' exists already (not imported from here); the import made a new one"]
    assert store.get_thread("chat") == mine and store.entries("chat") == []
    assert outcomes["thread 'short'"].thread_id == "short"


def test_checkpoints_it_cannot_read_are_reported(checkpoints, store):
    conn = sqlite3.connect(checkpoints)
    (damaged,) = conn.execute("select checkpoint_id from checkpoints where thread_id = 'short' "
                              "order by checkpoint_id limit 1 offset 2").fetchone()
    conn.execute("update checkpoints set type = 'pickle' where checkpoint_id = ?", [damaged])
    conn.commit()
    conn.close()
    outcomes = {o.where: o for o in import_file(store, checkpoints).outcomes}
    assert outcomes["thread 'short'"].notes == [
        f"checkpoint {damaged} is stored as 'pickle', which threadtree does not read"
    ]
    assert outcomes["thread 'short'"].status == "imported"


def test_the_command_line_imports_in_a_real_process_and_leaves_the_file_alone(checkpoints, tmp_path):
    watch = Untouched(checkpoints)
    db = tmp_path / "cli.db"
    done = cli_import(db, checkpoints)
    assert done.returncode == 0, done.stderr
    assert "(langgraph): 2 imported" in done.stdout
    again = cli_import(db, checkpoints, "--format", "langgraph")
    assert again.returncode == 0 and "2 unchanged" in again.stdout
    watch.check()


def packed_message(kind, text, mid, raw=None):
    """A LangChain message as SqliteSaver packs it (MessagePack extension 5), with ``raw``'s
    byte strings replaced in the packed fields (to make what ormsgpack would refuse to pack)."""
    import ormsgpack

    fields = {"content": text, "type": kind, "id": mid}
    name = {"human": "HumanMessage", "ai": "AIMessage"}[kind]
    inner = ormsgpack.packb(["langchain_core.messages", name, fields, "x"])
    for old, new in (raw or {}).items():
        inner = inner.replace(old, new)
    return ormsgpack.packb(ormsgpack.Ext(5, inner))


def saver_file(path, checkpoints):
    """A SqliteSaver file holding thread 't''s (checkpoint id, parent id, blob) rows as given."""
    conn = sqlite3.connect(path, check_same_thread=False)
    SqliteSaver(conn).setup()
    conn.executemany("insert into checkpoints values ('t', '', ?, ?, 'msgpack', ?, '{}')", checkpoints)
    conn.commit()
    conn.close()
    return path


def test_a_checkpoint_is_not_read_past_its_own_messages_where_its_bytes_repeat_its_parents(tmp_path):
    """A checkpoint's messages that repeat its parent's are recognised by their bytes: a child
    with fewer messages must not take the parent's next one because the bytes after its list
    (here a map key written as that very message) happen to be the same."""
    import ormsgpack

    first, second = packed_message("human", "hello", "m1"), packed_message("ai", "hi there", "m2")

    def checkpoint(cid, entries, values):  # a map: v, ts, id, channel_values (its entries written raw)
        head = ormsgpack.packb({"v": 4, "ts": "2025-01-31T12:00:00+00:00", "id": cid})
        return bytes([0x84]) + head[1:] + ormsgpack.packb("channel_values") + bytes([0x80 + entries]) + values

    parent = checkpoint("1", 1, ormsgpack.packb("messages") + bytes([0x92]) + first + second)
    # the child's list holds only the first message; the next key of channel_values is the
    # parent's second message, its value 0
    child = checkpoint("2", 2, ormsgpack.packb("messages") + bytes([0x91]) + first + second + bytes([0x00]))
    path = saver_file(tmp_path / "checkpoints.sqlite", [("1", None, parent), ("2", "1", child)])
    with threadtree.open(tmp_path / "tt.db") as store:
        (outcome,) = import_file(store, path).outcomes
        assert (outcome.status, outcome.added, outcome.notes) == ("imported", 2, [])
        thread = store.get_thread(outcome.thread_id)
        # the latest checkpoint (the child) holds the first message only: the live leaf
        assert [e.content for e in store.path(thread.id)] == ["hello"]
        assert [(e.content, e.parent_id is None) for e in store.entries(thread.id)] == [("hello", True), ("hi there", False)]


def test_a_message_of_bytes_that_are_not_utf8_is_a_damaged_checkpoint_not_a_failed_import(tmp_path):
    """A checkpoint whose new message holds a string of bytes that are not UTF-8 is reported as
    damaged and left out; the import goes on with the rest (it raised UnicodeDecodeError)."""
    import ormsgpack

    def checkpoint(cid, messages):
        head = ormsgpack.packb({"v": 4, "ts": "2025-01-31T12:00:00+00:00", "id": cid})
        values = ormsgpack.packb("messages") + bytes([0x90 + len(messages)]) + b"".join(messages)
        return bytes([0x84]) + head[1:] + ormsgpack.packb("channel_values") + bytes([0x81]) + values

    first = packed_message("human", "hello", "m1")
    parent = checkpoint("1", [first])
    child = checkpoint("2", [first, packed_message("ai", "XY", "m2", raw={b"\xa2XY": b"\xa2\xff\xfe"})])
    path = saver_file(tmp_path / "checkpoints.sqlite", [("1", None, parent), ("2", "1", child)])
    with threadtree.open(tmp_path / "tt.db") as store:
        (outcome,) = import_file(store, path).outcomes
        assert outcome.status == "imported" and outcome.added == 1
        assert outcome.notes[0].startswith("checkpoint 2 is damaged (") and "utf-8" in outcome.notes[0]
        assert outcome.notes[1] == "the latest checkpoint 2 could not be read; took the newest leaf"
        assert [e.content for e in store.path(outcome.thread_id)] == ["hello"]


def checkpoint_of(cid, messages, tail=b""):
    """A checkpoint map as SqliteSaver writes one: v, ts, id, channel_values {messages}, then
    ``tail`` (raw bytes of one more key and value: the versions LangGraph keeps)."""
    import ormsgpack

    head = ormsgpack.packb({"v": 4, "ts": "2025-01-31T12:00:00+00:00", "id": cid})
    values = ormsgpack.packb("messages") + bytes([0x90 + len(messages)]) + b"".join(messages)
    return bytes([0x84 + bool(tail)]) + head[1:] + ormsgpack.packb("channel_values") + bytes([0x81]) + values + tail


def imported(db):
    """What an import wrote, by source ids (thread ids and entry ids left out): per thread its
    metadata, live leaf and entries."""
    with threadtree.open(db) as store:
        found = {}
        for thread in store.list_threads(limit=None):
            entries = store.entries(thread.id)
            source = {e.id: e.source_id for e in entries}
            found[thread.source_id] = (
                thread.metadata,
                source.get(thread.current_leaf_id),
                [(e.source_id, source.get(e.parent_id), e.role, e.content, e.item, e.hidden, e.created_at, e.usage)
                 for e in entries],
            )
        return found


class TestDecoders:
    """ormsgpack decodes the new messages where it is installed (as it is wherever LangGraph
    is); without it the Python reader does. Both must import the same."""

    def import_without_ormsgpack(self, db, source):
        script = (
            "import sys; sys.modules['ormsgpack'] = None\n"
            "import threadtree\n"
            "from threadtree.formats import import_file, langgraph\n"
            "assert langgraph._unpackb is None\n"
            "with threadtree.open(sys.argv[1]) as store:\n"
            "    report = import_file(store, sys.argv[2])\n"
            "print(repr([(o.where, o.status, o.added, o.notes) for o in report.outcomes]))\n"
        )
        done = subprocess.run([sys.executable, "-c", script, str(db), str(source)], capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def import_with_ormsgpack(self, db, source):
        from threadtree.formats import langgraph

        assert langgraph._unpackb is not None  # the test environment has LangGraph, so ormsgpack
        with threadtree.open(db) as store:
            report = import_file(store, source)
        return repr([(o.where, o.status, o.added, o.notes) for o in report.outcomes])

    def test_a_real_file_imports_the_same_with_and_without_ormsgpack(self, checkpoints, tmp_path):
        fast = self.import_with_ormsgpack(tmp_path / "fast.db", checkpoints)
        assert fast == self.import_without_ormsgpack(tmp_path / "pure.db", checkpoints)
        assert imported(tmp_path / "fast.db") == imported(tmp_path / "pure.db")
        assert len(imported(tmp_path / "fast.db")["chat"][2]) > 10

    def test_what_ormsgpack_refuses_is_read_or_reported_as_the_python_reader_does(self, tmp_path):
        """A map key that is a number (ormsgpack refuses it; the Python reader keeps it as text)
        and a string that is not UTF-8 (a damaged checkpoint, with the Python reader's note)."""
        first = packed_message("human", "hello", "m1", raw={b"\x83\xa7content": b"\x84\x07\xa3abc\xa7content"})
        bad = packed_message("ai", "XY", "m3", raw={b"\xa2XY": b"\xa2\xff\xfe"})
        rows = [("1", None, checkpoint_of("1", [first])), ("2", "1", checkpoint_of("2", [first, bad]))]
        path = saver_file(tmp_path / "checkpoints.sqlite", rows)
        fast = self.import_with_ormsgpack(tmp_path / "fast.db", path)
        assert fast == self.import_without_ormsgpack(tmp_path / "pure.db", path)
        assert "is damaged (" in fast and "utf-8" in fast
        ((_, _, entries),) = imported(tmp_path / "fast.db").values()
        assert entries[0][4] == {"content": "hello", "7": "abc", "type": "human", "id": "m1"}
        assert imported(tmp_path / "fast.db") == imported(tmp_path / "pure.db")


def test_checkpoints_whose_head_is_written_otherwise_import_the_same(checkpoints, tmp_path):
    """The head SqliteSaver writes is matched in one step; the same checkpoints with their map
    header as a map 16 (valid MessagePack that the match does not take) are walked key by key,
    and must give the same threads (the digest aside: the bytes differ)."""
    other = tmp_path / "other.sqlite"
    other.write_bytes(checkpoints.read_bytes())
    conn = sqlite3.connect(other)
    rows = conn.execute("select rowid, checkpoint from checkpoints").fetchall()
    assert all(0x84 <= blob[0] <= 0x8F for _, blob in rows)
    conn.executemany("update checkpoints set checkpoint = ? where rowid = ?",
                     [(b"\xde\x00" + bytes([blob[0] & 0x0F]) + blob[1:], rowid) for rowid, blob in rows])
    conn.commit()
    conn.close()
    for source, db in ((checkpoints, tmp_path / "usual.db"), (other, tmp_path / "other.db")):
        with threadtree.open(db) as store:
            assert [o.notes for o in import_file(store, source).outcomes] == [[], []]
    usual, walked = imported(tmp_path / "usual.db"), imported(tmp_path / "other.db")
    for thread in (*usual.values(), *walked.values()):
        del thread[0]["source"]["digest"]
    assert usual == walked


def test_a_checkpoint_damaged_after_its_messages_still_gives_them(tmp_path):
    """The reader stops once it has a checkpoint's time and messages: damage in what follows
    (the versions LangGraph keeps, cut short here) does not hide messages that are whole."""
    first, second = packed_message("human", "hello", "m1"), packed_message("ai", "hi there", "m2")
    cut = checkpoint_of("2", [first, second], tail=b"\xb0channel_versions\x81\xa8messages\xd9\x20abc")
    path = saver_file(tmp_path / "checkpoints.sqlite", [("1", None, checkpoint_of("1", [first])), ("2", "1", cut)])
    with threadtree.open(tmp_path / "tt.db") as store:
        (outcome,) = import_file(store, path).outcomes
        assert (outcome.status, outcome.added, outcome.notes) == ("imported", 2, [])
        assert [e.content for e in store.path(outcome.thread_id)] == ["hello", "hi there"]


def test_a_message_nested_too_deeply_is_a_damaged_checkpoint_not_a_failed_import(tmp_path):
    """The Python reader recurses once per level: a message nested thousands of levels deep
    made the whole import fail with RecursionError; now its checkpoint is reported."""
    first = packed_message("human", "hello", "m1")
    deep = packed_message("ai", "XY", "m2", raw={b"\xa2XY": b"\x91" * 5000 + b"\x01"})
    rows = [("1", None, checkpoint_of("1", [first])), ("2", "1", checkpoint_of("2", [first, deep]))]
    path = saver_file(tmp_path / "checkpoints.sqlite", rows)
    with threadtree.open(tmp_path / "tt.db") as store:
        (outcome,) = import_file(store, path).outcomes
        assert (outcome.status, outcome.added) == ("imported", 1)
        assert outcome.notes[0] == "checkpoint 2 is damaged (values nested too deeply); not read"


def test_a_checkpoint_changed_in_place_is_not_taken_as_unchanged(tmp_path):
    """The digest of a thread covers each checkpoint's bytes (by length and CRC-32): a message
    edited in place, to a text of the same length, is seen on the next import."""
    first, second = packed_message("human", "hello", "m1"), packed_message("ai", "hi there", "m2")
    path = saver_file(tmp_path / "checkpoints.sqlite", [("1", None, checkpoint_of("1", [first])),
                                                        ("2", "1", checkpoint_of("2", [first, second]))])
    with threadtree.open(tmp_path / "tt.db") as store:
        import_file(store, path)
        conn = sqlite3.connect(path)
        (blob,) = conn.execute("select checkpoint from checkpoints where checkpoint_id = '2'").fetchone()
        conn.execute("update checkpoints set checkpoint = ? where checkpoint_id = '2'",
                     [blob.replace(b"hi there", b"hi where")])
        conn.commit()
        conn.close()
        (outcome,) = import_file(store, path).outcomes
        assert outcome.status == "updated"
        assert [e.content for e in store.path(outcome.thread_id)] == ["hello", "hi where"]
