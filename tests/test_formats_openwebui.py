"""The Open WebUI reader and exporter (threadtree.formats.openwebui), on the samples in
tests/data/openwebui (docs/formats.md section 4) and on small files written here for the cases
the samples do not show."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

import threadtree.formats as formats
from threadtree import Entry, Thread
from threadtree.formats import openwebui
from threadtree.formats._model import Conversation, Skipped

from .helpers import as_thread

DATA = Path(__file__).parent / "data"
BAD = DATA / "openwebui" / "openwebui-chat-repair__bad-test-1.json"
COLUMN = DATA / "openwebui" / "openwebui-importer__webui-json.json"
ANALYZER = DATA / "openwebui" / "synthetic-fixtures" / "openwebui-chat-analyzer__sample_chats.json"
OUTPUT = DATA / "openwebui" / "synthetic-fixtures" / "librechat__openwebui-export.json"
SAMPLES = [BAD, COLUMN, ANALYZER, OUTPUT]

BAD_CHAIN = [
    "08fcf711-0607-4f85-b453-71b16c5bca1e",
    "58317961-2b1b-4106-a454-dd0b2bd8d4d1",
    "42f367de-d074-4405-87e5-ab3565d494d5",
    "1e163a97-90d2-4e6b-a6f0-2398419dd160",
    "db057abe-1b4c-4ffb-8790-f995a115daf1",
    "fa4d7790-191b-47fc-8b1b-8cc8d8768f3b",
    "9299ae25-fa7f-4ea8-8b7d-e69d9751e3ed",
    "c228417e-c34a-4aea-85f4-7edcb61f7a54",
]


def read(path: Path) -> list[Conversation | Skipped]:
    return list(openwebui.read(path))


def only(path: Path) -> Conversation:
    (conversation,) = read(path)
    assert isinstance(conversation, Conversation), conversation
    return conversation


def nodes(conversation: Conversation) -> dict:
    return {n.source_id: n for n in conversation.nodes}


def shape(conversation: Conversation) -> list[tuple]:
    """What a re-import must reproduce: each node's id, parent, role, text and hidden flag,
    in node order (which fixes sibling order)."""
    return [(n.source_id, n.parent, n.role, n.content, n.hidden) for n in conversation.nodes]


def write(tmp_path: Path, value, name: str = "chats.json") -> Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(value))
    return path


def message(mid, parent, role="user", content="", children=(), timestamp=1700000000, **extra):
    return {
        "id": mid, "parentId": parent, "childrenIds": list(children), "role": role,
        "content": content, "timestamp": timestamp, **extra,
    }


def row(history: list[dict], chat_id="c1", **chat_fields) -> dict:
    chat = {"id": "", "title": "t", "history": {"messages": {m["id"]: m for m in history}}} | chat_fields
    return {"id": chat_id, "title": "t", "chat": chat, "created_at": 1700000000, "updated_at": 1700000100}


# -- a stand-in for the engine, so the exporter can be tested on its own --




def reexport(conversation: Conversation, tmp_path: Path) -> tuple[list, Conversation]:
    exported = openwebui.export(*as_thread(conversation))
    return exported, only(write(tmp_path, exported, "exported.json"))


class TestBadTest1:
    """openwebui-chat-repair__bad-test-1.json: a genuine export corrupted on purpose."""

    def test_every_message_is_a_node_including_the_orphan(self):
        conversation = only(BAD)
        assert [n.source_id for n in conversation.nodes] == [*BAD_CHAIN, "abandoned-node-1111"]
        assert conversation.source_id == "fbd5ce12-6f04-4aa8-b5c8-4810ed6da64d"
        assert conversation.title == "test"

    def test_the_tree_follows_parent_ids(self):
        by_id = nodes(only(BAD))
        assert [by_id[k].parent for k in BAD_CHAIN] == [None, *BAD_CHAIN[:-1]]
        assert [by_id[k].role for k in BAD_CHAIN] == ["user", "assistant"] * 4
        assert not any(n.hidden for n in by_id.values())
        assert by_id[BAD_CHAIN[2]].created_at == 1773217742.0

    def test_an_orphan_becomes_a_root_keeping_its_pointer_in_item(self):
        conversation = only(BAD)
        orphan = nodes(conversation)["abandoned-node-1111"]
        assert orphan.parent is None
        assert orphan.item["parentId"] == "ghost-parent-uuid-9999"
        assert any("abandoned-node-1111" in n and "ghost-parent-uuid-9999" in n for n in conversation.notes)

    def test_a_dangling_child_id_is_dropped_and_reported(self):
        conversation = only(BAD)
        assert [n.source_id for n in conversation.nodes if n.parent == BAD_CHAIN[0]] == [BAD_CHAIN[1]]
        assert any("fake-missing-child-uuid" in n and BAD_CHAIN[0] in n for n in conversation.notes)

    def test_a_missing_current_id_falls_back_to_the_newest_leaf_of_the_largest_tree(self):
        conversation = only(BAD)
        # currentId -> missing; chat.messages -> []; largest tree is the 8-message chain,
        # whose newest messages (9299ae25 and c228417e, same second) lead down to c228417e.
        assert conversation.current == "c228417e-c34a-4aea-85f4-7edcb61f7a54"
        notes = "\n".join(conversation.notes)
        assert "history.currentId deleted-node-0000 is not in the chat" in notes
        assert "chat.messages is empty" in notes
        assert "largest tree: c228417e-c34a-4aea-85f4-7edcb61f7a54" in notes

    def test_reasoning_details_are_stripped_from_the_text_and_kept_in_item(self):
        reply = nodes(only(BAD))[BAD_CHAIN[1]]
        assert reply.content == "Test received! \U0001f680\n\nWhat's going on?"
        assert reply.item["content"].startswith('<details type="reasoning" done="true" duration="2">')
        assert reply.item["output"][0]["type"] == "reasoning"  # nothing of the message is lost
        assert reply.item["usage"]["total_tokens"] == 718

    def test_the_header_is_the_row_without_history_and_linear_messages(self):
        metadata = only(BAD).metadata
        assert metadata["container"] == "row"
        header = metadata["header"]
        assert header["user_id"] == "6ddd9e19-aa2b-4d1b-a884-6b535554c5cb"
        assert header["chat"] == {
            "id": "", "title": "test", "models": ["x-ai/grok-4.1-fast"], "params": {}, "tags": [],
            "timestamp": 1773217735512, "files": [],
        }

    def test_row_times_are_seconds(self):
        conversation = only(BAD)
        assert (conversation.created_at, conversation.updated_at) == (1773217735.0, 1773217907.0)


class TestAnalyzerSample:
    """openwebui-chat-analyzer__sample_chats.json: hand-written, childrenIds left empty."""

    def test_five_chats(self):
        conversations = read(ANALYZER)
        assert [c.source_id for c in conversations] == ["chat-A01", "chat-B02", "chat-C03", "chat-D04", "chat-E05"]
        assert [c.where for c in conversations][1] == "chat 2 (id chat-B02)"

    def test_siblings_come_from_parent_id_even_with_empty_children_ids(self):
        conversation = read(ANALYZER)[0]
        assert [(n.source_id, n.parent, n.role) for n in conversation.nodes] == [
            ("A-001", None, "user"), ("A-002", "A-001", "assistant"), ("A-003", "A-001", "assistant"),
        ]
        assert conversation.current == "A-003"
        assert "message A-001: childrenIds lacks A-002, A-003 (children by parentId); placed after the listed ones" in (
            conversation.notes
        )

    def test_chat_timestamp_in_seconds_is_not_divided(self):
        conversation = read(ANALYZER)[0]
        assert conversation.created_at == 1760017691.0
        assert conversation.metadata["header"]["chat"]["params"] == {"temperature": 0.2, "max_tokens": 4096}


class TestColumnValue:
    """openwebui-importer__webui-json.json: the DB's chat column, id ""."""

    def test_a_bare_chat_is_one_conversation_with_a_hashed_id(self):
        conversation = only(COLUMN)
        first = "5ae90291-abf9-453f-9f7d-78f3753af40c"
        assert conversation.source_id == "sha256:" + hashlib.sha256(first.encode()).hexdigest()[:32]
        assert only(COLUMN).source_id == conversation.source_id
        assert any("no id" in n and first in n for n in conversation.notes)
        assert conversation.metadata["container"] == "chat"
        assert "history" not in conversation.metadata["header"]
        assert "messages" not in conversation.metadata["header"]

    def test_tree_current_and_millisecond_timestamp(self):
        conversation = only(COLUMN)
        assert [(n.source_id[:8], n.parent and n.parent[:8], n.role) for n in conversation.nodes] == [
            ("5ae90291", None, "user"), ("a9436447", "5ae90291", "assistant"),
        ]
        assert conversation.current == "a9436447-add3-4bd8-a25f-6ce54b73903c"
        assert conversation.created_at == pytest.approx(1744577557.127)
        assert conversation.title == "\U0001f9e0 Goldwater Rule Ethics"

    def test_sql_quoting_is_kept_as_the_source_wrote_it(self):
        assert "you''re referring" in only(COLUMN).nodes[1].content


class TestOutputItems:
    """librechat__openwebui-export.json: reasoning and tool-call <details> plus output[]."""

    def test_details_blocks_go_from_the_text(self):
        conversations = read(OUTPUT)
        assert [c.source_id for c in conversations] == ["reasoning-chat", "tool-chat", "simple-chat"]
        texts = [c.nodes[1].content for c in conversations]
        assert texts == ["255", "The weather in Paris is 18C with rain.", "Hi there!"]
        assert [item["type"] for item in conversations[1].nodes[1].item["output"]] == [
            "function_call", "function_call_output", "message",
        ]

    def test_chat_without_linear_messages_uses_history_current_id(self):
        conversations = read(OUTPUT)
        assert [c.current for c in conversations] == ["ra2", "ta2", "sa2"]
        assert all(c.notes == [] for c in conversations)


class TestSiblingsAndPointers:
    """Cases the samples do not show, written here."""

    def test_children_ids_order_siblings_and_roots_keep_key_order(self, tmp_path):
        messages = [
            message("r1", None, children=["b", "a"]),
            message("a", "r1", "assistant"),
            message("b", "r1", "assistant"),
            message("c", "r1", "assistant"),  # not listed: after the listed ones
            message("r2", None, content="edited first message"),  # a second root
        ]
        conversation = only(write(tmp_path, [row(messages)]))
        assert [(n.source_id, n.parent) for n in conversation.nodes] == [
            ("r1", None), ("b", "r1"), ("a", "r1"), ("c", "r1"), ("r2", None),
        ]

    def test_a_child_listed_under_the_wrong_parent_stays_with_its_parent_id(self, tmp_path):
        messages = [
            message("r", None, children=["x", "y"]),
            message("x", "r", children=["y"]),
            message("y", "x"),
        ]
        conversation = only(write(tmp_path, [row(messages)]))
        assert [(n.source_id, n.parent) for n in conversation.nodes] == [("r", None), ("x", "r"), ("y", "x")]
        assert "message r: childrenIds lists y, whose parent is x; ignored" in conversation.notes

    @pytest.mark.parametrize(
        "fields, expected, note",
        [
            pytest.param({"currentId": "b"}, "b", "history.currentId gone is not in the chat", id="chat.currentId"),
            pytest.param({"branchPointMessageId": "b"}, "b", None, id="branchPointMessageId"),
            pytest.param({"messages": [{"id": "r"}, {"id": "b"}]}, "b", "last message of chat.messages: b",
                         id="chat.messages"),
            pytest.param({"messages": [{"id": "r"}, {"id": "zz"}]}, "a", "chat.messages ends with 'zz'",
                         id="stale-chat.messages"),
        ],
    )
    def test_the_current_id_fallback_chain(self, tmp_path, fields, expected, note):
        messages = [
            message("r", None, children=["a", "b"]),
            message("a", "r", "assistant", timestamp=1700000009),
            message("b", "r", "assistant", timestamp=1700000005),
        ]
        chat = row(messages, **fields)
        chat["chat"]["history"]["currentId"] = "gone"
        conversation = only(write(tmp_path, [chat]))
        assert conversation.current == expected
        if note:
            assert any(note in n for n in conversation.notes), conversation.notes

    def test_the_newest_message_is_followed_down_its_last_children(self, tmp_path):
        messages = [
            message("r", None, children=["a"], timestamp=1700000000),
            message("a", "r", "assistant", children=["u1", "u2"], timestamp=1700000009),
            message("u1", "a", timestamp=1700000001),
            message("u2", "a", timestamp=1700000002),
            message("lone", None, timestamp=1800000000),  # newer, but in a smaller tree
        ]
        conversation = only(write(tmp_path, [row(messages)]))
        assert conversation.current == "u2"

    def test_system_messages_are_hidden_and_unknown_roles_are_other(self, tmp_path):
        messages = [
            message("s", None, "system", "You are terse.", children=["u"]),
            message("u", "s", "user", "hi", children=["f"]),
            message("f", "u", "function", "{}"),
        ]
        conversation = only(write(tmp_path, [row(messages)]))
        assert [(n.role, n.hidden) for n in conversation.nodes] == [("system", True), ("user", False), ("other", False)]

    def test_nested_details_are_removed_whole(self):
        text = '<details type="reasoning"><summary>s</summary>a<details type="tool_calls">b</details>c</details>\nDone'
        assert openwebui._plain_text(text) == "Done"
        assert openwebui._plain_text([{"type": "text", "text": "x"}, {"type": "image_url"}]) == "x"


class TestBrokenInput:
    def test_malformed_json_is_skipped_with_line_and_column(self, tmp_path):
        path = tmp_path / "broken.json"
        path.write_text('[\n  {"id": "a",\n   "chat": {]\n')
        (skipped,) = read(path)
        assert isinstance(skipped, Skipped)
        assert skipped.where.startswith("line 3, column ")
        assert "not valid JSON" in skipped.reason

    def test_a_chat_without_history_is_skipped_and_the_others_are_read(self, tmp_path):
        good = row([message("m", None, content="hello")], chat_id="good")
        bad = {"id": "bad", "title": "x", "chat": {"title": "x"}}
        results = read(write(tmp_path, [bad, "not a chat", good]))
        assert results[0] == Skipped("chat 1", "the chat has no history.messages object")
        assert results[1] == Skipped("chat 2", "a chat is a JSON object, not str")
        assert results[2].source_id == "good"

    def test_a_chat_column_kept_as_a_json_string_is_parsed(self, tmp_path):
        chat = row([message("m", None, content="hello")])
        chat["chat"] = orjson.dumps(chat["chat"]).decode()
        conversation = only(write(tmp_path, [chat]))
        assert [n.content for n in conversation.nodes] == ["hello"]
        assert conversation.notes[0] == "the chat was a JSON string; parsed it"

    def test_pointers_that_are_not_strings_are_passed_over(self, tmp_path):
        chat = row([message("m", None)], currentId=["m"], messages=[{"id": {"x": 1}}])
        chat["chat"]["history"]["currentId"] = {"m": 1}
        assert only(write(tmp_path, [chat])).current == "m"

    def test_an_id_field_unlike_its_key_is_noted(self, tmp_path):
        chat = row([message("m", None)])
        chat["chat"]["history"]["messages"] = {"k": message("m", None)}
        conversation = only(write(tmp_path, [chat]))
        assert [n.source_id for n in conversation.nodes] == ["k"]
        assert "message k: its id field is 'm'; the key is its id" in conversation.notes

    def test_a_non_object_message_is_left_out_with_a_note(self, tmp_path):
        chat = row([message("m", None)])
        chat["chat"]["history"]["messages"]["junk"] = 3
        conversation = only(write(tmp_path, [chat]))
        assert [n.source_id for n in conversation.nodes] == ["m"]
        assert "message junk: not an object (int); left out" in conversation.notes


class TestSniff:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_accepts_the_samples(self, path):
        assert openwebui.sniff(path.read_bytes(), path)

    def test_accepts_the_first_mebibyte_of_a_larger_file(self):
        head = BAD.read_bytes()[:3000]  # cut mid-file: judged by its keys
        assert openwebui.sniff(head, BAD)

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param(
                '[{"title": "c", "mapping": {"n1": {"id": "n1", "parent": null, "children": []}}, "current_node": "n1"}]',
                id="chatgpt",
            ),
            pytest.param('[{"uuid": "u", "name": "c", "chat_messages": [{"uuid": "m", "sender": "human"}]}]',
                         id="claude-ai"),
            pytest.param('{"type":"message","id":"a","parentId":null,"message":{"role":"user"}}\n', id="pi-jsonl"),
            pytest.param('{"conversationId": "c", "messages": [{"messageId": "m", "parentMessageId": null}]}',
                         id="librechat"),
            pytest.param("[]", id="empty-array"),
            pytest.param("hello", id="text"),
        ],
    )
    def test_rejects_other_formats(self, text):
        assert not openwebui.sniff(text.encode(), Path("x.json"))



class TestExport:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_export_then_read_gives_the_same_tree(self, path, tmp_path):
        for conversation in read(path):
            exported, again = reexport(conversation, tmp_path)
            assert shape(again) == shape(conversation)
            assert again.current == conversation.current
            assert again.source_id == conversation.source_id
            assert again.title == conversation.title

    def test_export_writes_the_repaired_tree_and_the_live_path(self, tmp_path):
        conversation = only(BAD)
        (exported_row,), again = reexport(conversation, tmp_path)
        chat = exported_row["chat"]
        history = chat["history"]
        assert history["currentId"] == BAD_CHAIN[-1]
        assert [m["id"] for m in chat["messages"]] == BAD_CHAIN
        assert history["messages"][BAD_CHAIN[0]]["childrenIds"] == [BAD_CHAIN[1]]
        assert history["messages"]["abandoned-node-1111"]["parentId"] is None
        assert history["messages"][BAD_CHAIN[1]]["usage"]["total_tokens"] == 718  # item written back
        assert exported_row["id"] == "fbd5ce12-6f04-4aa8-b5c8-4810ed6da64d"
        assert exported_row["user_id"] == "6ddd9e19-aa2b-4d1b-a884-6b535554c5cb"
        assert chat["models"] == ["x-ai/grok-4.1-fast"]
        assert again.notes == []  # nothing left to repair

    def test_export_keeps_branches_and_fills_children_ids(self, tmp_path):
        conversation = read(ANALYZER)[0]
        (exported_row,), again = reexport(conversation, tmp_path)
        assert exported_row["chat"]["history"]["messages"]["A-001"]["childrenIds"] == ["A-002", "A-003"]
        assert [m["id"] for m in exported_row["chat"]["messages"]] == ["A-001", "A-003"]
        assert exported_row["chat"]["files"][0]["name"] == "SOW_v3.pdf"
        assert again.notes == []

    def test_a_bare_chat_exports_as_a_row(self, tmp_path):
        conversation = only(COLUMN)
        (exported_row,), again = reexport(conversation, tmp_path)
        assert exported_row["id"] == conversation.source_id
        assert exported_row["chat"]["timestamp"] == 1744577557127
        assert again.metadata["container"] == "row"

    def test_entries_from_elsewhere_get_synthesized_messages(self):
        thread = Thread("th", "Plain", {}, 1700000000.0, 1700000050.0, False, 3)
        entries = [
            Entry(1, "th", None, "user", "hi", None, 1700000000.0, 0),
            Entry(2, "th", 1, "assistant", "first", {"provider": "x"}, 1700000010.0, 1, "given-id"),
            Entry(3, "th", 1, "assistant", "second", None, 1700000020.0, 1),
        ]
        (exported_row,) = openwebui.export(thread, entries)
        chat = exported_row["chat"]
        messages = chat["history"]["messages"]
        first, second = list(messages)[0], list(messages)[2]
        assert list(messages)[1] == "given-id"
        assert messages[first] == {
            "id": first, "parentId": None, "childrenIds": ["given-id", second], "role": "user",
            "content": "hi", "timestamp": 1700000000,
        }
        assert messages["given-id"]["done"] is True and "provider" not in messages["given-id"]
        assert chat["history"]["currentId"] == second
        assert [m["content"] for m in chat["messages"]] == ["hi", "second"]
        assert (exported_row["id"], exported_row["title"], chat["title"]) == ("th", "Plain", "Plain")
        assert openwebui.export(thread, entries) == [exported_row]  # ids are stable


# -- through the store, once the import engine exists --


def tree(store, thread_id: str) -> dict:
    """source_id -> (parent source_id, role, content, hidden), the live path and leaf."""
    entries = store.entries(thread_id)
    by_id = {e.id: e for e in entries}
    thread = store.get_thread(thread_id)
    return {
        "entries": {
            e.source_id: (by_id[e.parent_id].source_id if e.parent_id else None, e.role, e.content, e.hidden)
            for e in entries
        },
        "path": [e.source_id for e in store.path(thread_id)],
        "leaf": by_id[thread.current_leaf_id].source_id if thread.current_leaf_id else None,
    }


class TestThroughTheStore:
    def test_import_builds_the_repaired_tree(self, store):
        report = formats.import_file(store, BAD, format="openwebui")
        (outcome,) = report.imported
        assert report.skipped == []
        got = tree(store, outcome.thread_id)
        assert got["path"] == BAD_CHAIN
        assert got["leaf"] == BAD_CHAIN[-1]
        assert got["entries"]["abandoned-node-1111"][0] is None
        assert got["entries"][BAD_CHAIN[1]][1:] == ("assistant", "Test received! \U0001f680\n\nWhat's going on?", False)
        thread = store.get_thread(outcome.thread_id)
        assert (thread.source_format, thread.source_id) == ("openwebui", "fbd5ce12-6f04-4aa8-b5c8-4810ed6da64d")
        assert any("ghost-parent-uuid-9999" in n for n in outcome.notes)

    @pytest.mark.parametrize("path, count", [(BAD, 1), (COLUMN, 1), (ANALYZER, 5), (OUTPUT, 3)],
                             ids=lambda v: v.name if isinstance(v, Path) else str(v))
    def test_importing_twice_changes_nothing(self, store, path, count):
        first = formats.import_file(store, path, format="openwebui")
        assert len(first.imported) == count
        before = {o.thread_id: tree(store, o.thread_id) for o in first.imported}
        second = formats.import_file(store, path, format="openwebui")
        assert second.imported == [] and second.updated == []
        assert sorted(o.thread_id for o in second.unchanged) == sorted(before)
        assert {tid: tree(store, tid) for tid in before} == before
        assert len(store.list_threads()) == count

    def test_siblings_are_stored_in_children_ids_order(self, store, tmp_path):
        messages = [
            message("r1", None, children=["b", "a"]),
            message("a", "r1", "assistant"),
            message("b", "r1", "assistant"),
            message("r2", None, content="edited first message"),
        ]
        (outcome,) = formats.import_file(store, write(tmp_path, [row(messages)]), format="openwebui").imported
        r1 = store.find_entry(outcome.thread_id, "r1")
        assert [e.source_id for e in store.children(r1.id)] == ["b", "a"]
        roots = [e.source_id for e in store.entries(outcome.thread_id) if e.parent_id is None]
        assert roots == ["r1", "r2"]
        exported = formats.export_thread(store, outcome.thread_id, "openwebui")
        assert exported[0]["chat"]["history"]["messages"]["r1"]["childrenIds"] == ["b", "a"]

    def test_the_format_is_detected(self, store):
        assert formats.import_file(store, COLUMN).format == "openwebui"

    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_import_export_import_gives_the_same_tree(self, path, tmp_path, new_db):
        import threadtree

        with threadtree.open(new_db("a")) as first, threadtree.open(new_db("b")) as second:
            report = formats.import_file(first, path, format="openwebui")
            for outcome in report.imported:
                exported = formats.export_thread(first, outcome.thread_id, "openwebui")
                copy = tmp_path / f"{outcome.thread_id}.json"
                copy.write_bytes(orjson.dumps(exported))
                (again,) = formats.import_file(second, copy, format="openwebui").imported
                assert tree(second, again.thread_id) == tree(first, outcome.thread_id)

    def test_a_thread_from_another_format_exports_with_its_branches_and_leaf(self, tmp_path, new_db):
        import threadtree

        librechat_tree = DATA / "librechat" / "librechat__librechat-tree.json"
        with threadtree.open(new_db("a")) as first, threadtree.open(new_db("b")) as second:
            (outcome,) = formats.import_file(first, librechat_tree, format="librechat").imported
            exported = formats.export_thread(first, outcome.thread_id, "openwebui")
            copy = tmp_path / "as-openwebui.json"
            copy.write_bytes(orjson.dumps(exported))
            (again,) = formats.import_file(second, copy).imported  # detected as openwebui
            assert tree(second, again.thread_id) == tree(first, outcome.thread_id)
            assert second.get_thread(again.thread_id).source_format == "openwebui"
