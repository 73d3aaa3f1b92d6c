"""The LibreChat reader (threadtree.formats.librechat), on the genuine exports in
tests/data/librechat (docs/formats.md section 5) and on small files written here for the cases
the samples do not show."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import threadtree.formats as formats
from threadtree import Entry, Thread
from threadtree.formats import librechat
from threadtree.formats._model import Conversation, Skipped

from .helpers import as_thread

DATA = Path(__file__).parent / "data"
TREE = DATA / "librechat" / "librechat__librechat-tree.json"
BRANCHES = DATA / "librechat" / "librechat__librechat-opts-nonr-branches.json"
LINEAR = DATA / "librechat" / "librechat__librechat-linear.json"
EXPORT = DATA / "librechat" / "librechat__librechat-export.json"
SAMPLES = [TREE, BRANCHES, LINEAR, EXPORT]
NO_PARENT = "00000000-0000-0000-0000-000000000000"


def only(path: Path) -> Conversation:
    (conversation,) = list(librechat.read(path))
    assert isinstance(conversation, Conversation), conversation
    return conversation


def short(conversation: Conversation) -> list[tuple]:
    """(id, parent, role) with ids cut to 8 characters, in node order."""
    return [(n.source_id[:8], n.parent and n.parent[:8], n.role) for n in conversation.nodes]


def write(tmp_path: Path, messages: list, **header) -> Path:
    path = tmp_path / "export.json"
    conversation = {"conversationId": "conv-1", "title": "t", "recursive": False} | header | {"messages": messages}
    path.write_bytes(orjson.dumps(conversation))
    return path


def msg(mid, parent=NO_PARENT, user=False, text="x", created=None, **extra) -> dict:
    value = {"messageId": mid, "parentMessageId": parent, "isCreatedByUser": user, "text": text, **extra}
    if created is not None:
        value["createdAt"] = created
    return value


class TestTree:
    """librechat-tree.json: recursive, a regenerated reply and a second user reply."""

    def test_the_nesting_gives_the_tree(self):
        assert short(only(TREE)) == [
            ("9501f99d", None, "user"),
            ("4c395510", "9501f99d", "assistant"),
            ("6e4c95ca", "4c395510", "user"),
            ("5da2cdce", "6e4c95ca", "assistant"),
            ("64ed7568", "6e4c95ca", "assistant"),  # the regeneration, after the first reply
            ("f82cca6f", "64ed7568", "user"),
            ("ad7b6ec6", "f82cca6f", "assistant"),
            ("d3e12088", "4c395510", "user"),  # the second user reply to 4c395510
            ("1f062c99", "d3e12088", "assistant"),
        ]

    def test_the_live_leaf_is_the_last_created_leaf_in_file_order_when_leaves_have_no_date(self):
        assert only(TREE).current == "1f062c99-ff0a-4cf4-a1cf-7150261a24e2"

    def test_items_drop_children_and_keep_everything_else(self):
        conversation = only(TREE)
        first = conversation.nodes[0]
        assert "children" not in first.item
        assert first.item["_id"] == "66326f3f04bed94b7f5be68d"
        assert first.item["tokenCount"] == 59
        assert first.content.startswith("How do I use source venv/bin/activate")
        assert first.created_at == pytest.approx(1714581311.53)
        assert conversation.notes == []

    def test_the_header_is_the_conversation_without_messages(self):
        conversation = only(TREE)
        header = conversation.metadata["header"]
        assert "messages" not in header
        assert header["options"]["chatGptLabel"] == "Software Engineer"
        assert header["recursive"] is True
        assert conversation.source_id == "4a86c40e-e627-4454-b158-889680e23ad3"
        assert conversation.title == "Troubleshooting Python Virtual Environment Activation Issue"


class TestFlatBranches:
    """librechat-opts-nonr-branches.json: flat list, an edited first message makes 2 roots."""

    def test_two_roots_and_two_assistant_siblings(self):
        assert short(only(BRANCHES)) == [
            ("115a6247", None, "user"),
            ("069b9c22", "115a6247", "assistant"),
            ("303e4c2c", "115a6247", "assistant"),
            ("599e1908", None, "user"),
            ("de9a4e7c", "599e1908", "assistant"),
        ]

    def test_the_live_leaf_is_the_most_recently_created_leaf(self):
        conversation = only(BRANCHES)
        assert conversation.current == "de9a4e7c-020d-4856-a5a6-ce6794efef99"
        assert conversation.created_at == pytest.approx(1716919735.014)  # 2024-05-28T18:08:55.014Z


class TestLinearAndExport:
    def test_a_null_parent_is_a_root(self):
        conversation = only(LINEAR)
        assert short(conversation) == [("ed3fdaaa", None, "user"), ("113b8336", "ed3fdaaa", "assistant")]
        assert conversation.current == "113b8336-4b19-4f91-8eed-741b3dc2940e"
        assert conversation.notes == []

    def test_the_recursive_export_is_a_chain_of_six(self):
        conversation = only(EXPORT)
        ids = [n.source_id for n in conversation.nodes]
        assert len(ids) == 6
        assert [n.parent for n in conversation.nodes] == [None, *ids[:-1]]
        assert [n.role for n in conversation.nodes] == ["user", "assistant"] * 3
        assert conversation.current == ids[-1] == "645b925b-ef14-451f-9be3-814de55a5ae4"
        assert not any(n.hidden for n in conversation.nodes)


class TestEdgeCases:
    """Cases the samples do not show, written here."""

    def test_a_child_listed_before_its_parent_still_gets_it(self, tmp_path):
        path = write(tmp_path, [msg("b", "a"), msg("a", user=True)])
        conversation = only(path)
        assert [(n.source_id, n.parent) for n in conversation.nodes] == [("a", None), ("b", "a")]
        assert conversation.notes == []

    def test_siblings_are_ordered_by_created_at_then_file_order(self, tmp_path):
        path = write(tmp_path, [
            msg("u", user=True, created="2024-01-01T00:00:00.000Z"),
            msg("late", "u", created="2024-01-01T00:00:09.000Z"),
            msg("early", "u", created="2024-01-01T00:00:01.000Z"),
            msg("tie", "u", created="2024-01-01T00:00:01.000Z"),
        ])
        conversation = only(path)
        assert [n.source_id for n in conversation.nodes] == ["u", "early", "tie", "late"]
        assert conversation.current == "late"

    def test_among_leaves_created_at_the_same_time_the_later_in_the_file_is_live(self, tmp_path):
        stamp = "2024-01-01T00:00:01.000Z"
        path = write(tmp_path, [msg("u", user=True), msg("a", "u", created=stamp), msg("b", "u", created=stamp)])
        assert only(path).current == "b"

    def test_a_message_without_text_or_content_is_kept_with_its_replies(self, tmp_path):
        empty = {"messageId": "e", "isCreatedByUser": False, "children": [msg("r", "e", user=True, text="reply")]}
        path = write(tmp_path, [msg("u", user=True, text="q", children=[empty])], recursive=True)
        conversation = only(path)
        assert [(n.source_id, n.parent, n.content) for n in conversation.nodes] == [
            ("u", None, "q"), ("e", "u", ""), ("r", "e", "reply"),
        ]
        assert any("message e: neither text nor content" in n for n in conversation.notes)

    def test_the_nesting_overrides_parent_message_id_with_a_note(self, tmp_path):
        path = write(tmp_path, [msg("u", user=True, children=[msg("a", "elsewhere")])], recursive=True)
        conversation = only(path)
        assert [(n.source_id, n.parent) for n in conversation.nodes] == [("u", None), ("a", "u")]
        assert conversation.nodes[1].item["parentMessageId"] == "elsewhere"
        assert "message a: parentMessageId elsewhere differs from its nesting under u; used the nesting" in (
            conversation.notes
        )

    def test_text_parts_of_content_are_joined(self, tmp_path):
        content = [
            {"type": "think", "think": "hmm"},
            {"type": "text", "text": "one"},
            {"type": "text", "text": {"value": "two"}},
            {"type": "tool_call", "tool_call": {"name": "f"}},
        ]
        reply = {"messageId": "a", "parentMessageId": "u", "isCreatedByUser": False, "content": content}
        conversation = only(write(tmp_path, [msg("u", user=True), reply]))
        assert conversation.nodes[1].content == "one\ntwo"
        assert conversation.notes == []

    def test_without_is_created_by_user_the_sender_decides(self, tmp_path):
        messages = [{"messageId": "u", "sender": "User", "text": "q"}, {"messageId": "a", "parentMessageId": "u",
                                                                         "sender": "GPT-4", "text": "r"}]
        assert [n.role for n in only(write(tmp_path, messages)).nodes] == ["user", "assistant"]

    def test_a_dangling_parent_makes_a_root_and_a_note(self, tmp_path):
        conversation = only(write(tmp_path, [msg("a", "missing")]))
        assert conversation.nodes[0].parent is None
        assert "message a: parent missing is not in the conversation; made a root" in conversation.notes

    def test_a_message_without_id_gets_its_position(self, tmp_path):
        conversation = only(write(tmp_path, [msg("a", user=True), {"parentMessageId": "a", "text": "t"}]))
        assert [(n.source_id, n.parent) for n in conversation.nodes] == [("a", None), ("#2", "a")]
        assert any("#2" in n for n in conversation.notes)

    def test_malformed_json_is_skipped_with_line_and_column(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_text('{"conversationId": "c",\n "messages": [}\n')
        (skipped,) = list(librechat.read(path))
        assert isinstance(skipped, Skipped)
        assert skipped.where.startswith("line 2, column ")

    def test_a_conversation_without_messages_is_skipped(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_bytes(orjson.dumps([{"conversationId": "c"}, {"conversationId": "d", "messages": [msg("m")]}]))
        results = list(librechat.read(path))
        assert results[0] == Skipped("conversation 1", "the conversation has no messages array")
        assert results[1].source_id == "d"

    def test_a_conversation_whose_messages_are_another_apps_is_refused(self, tmp_path):
        """Open WebUI's {id, role, content} messages read as LibreChat would be entries without
        ids, parents or roles: the conversation is skipped instead."""
        webui = {"conversationId": "w", "messages": [{"id": "m1", "role": "user", "content": "hi", "parentId": None}]}
        path = tmp_path / "mixed.json"
        path.write_bytes(orjson.dumps([{"conversationId": "c", "messages": [msg("a")]}, webui]))
        good, refused = librechat.read(path)
        assert good.source_id == "c"
        assert refused == Skipped("conversation 2", "not a LibreChat conversation: no message has any of "
                                                    "isCreatedByUser, messageId, parentMessageId, sender, text")


class TestSniff:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_accepts_the_samples(self, path):
        assert librechat.sniff(path.read_bytes(), path)

    def test_accepts_the_first_part_of_a_larger_file(self):
        assert librechat.sniff(TREE.read_bytes()[:3000], TREE)

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param(
                '[{"title": "c", "conversation_id": "x", "mapping": {"n1": {"id": "n1", "parent": null}}}]',
                id="chatgpt",
            ),
            pytest.param('[{"uuid": "u", "name": "c", "chat_messages": [{"uuid": "m", "sender": "human"}]}]',
                         id="claude-ai"),
            pytest.param('[{"id": "c", "chat": {"history": {"messages": {}, "currentId": null}}}]', id="openwebui"),
            pytest.param('{"conversationId": "c", "messages": [{"id": "m"}]}', id="no-messageId"),
            pytest.param("{}", id="empty-object"),
        ],
    )
    def test_rejects_other_formats(self, text):
        assert not librechat.sniff(text.encode(), Path("x.json"))





def shape(conversation: Conversation) -> list[tuple]:
    return [(n.source_id, n.parent, n.role, n.content, n.hidden, n.created_at) for n in conversation.nodes]


class TestExport:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_export_then_read_gives_the_same_tree(self, path, tmp_path):
        conversation = only(path)
        exported = librechat.export(*as_thread(conversation))
        copy = tmp_path / "copy.json"
        copy.write_bytes(orjson.dumps(exported))
        again = only(copy)
        assert shape(again) == shape(conversation)
        assert (again.current, again.source_id, again.title) == (
            conversation.current, conversation.source_id, conversation.title,
        )
        assert again.notes == []

    def test_export_nests_every_branch_and_keeps_the_items(self):
        conversation = only(BRANCHES)
        exported = librechat.export(*as_thread(conversation))
        assert (exported["recursive"], exported["branches"]) == (True, True)
        assert exported["options"]["model"] == "gpt-4o"
        first, second = exported["messages"]
        assert first["parentMessageId"] == NO_PARENT and second["parentMessageId"] == NO_PARENT
        assert [c["messageId"][:8] for c in first["children"]] == ["069b9c22", "303e4c2c"]
        assert first["children"][0]["finish_reason"] == "incomplete"  # item written back
        assert first["children"][0]["parentMessageId"] == first["messageId"]

    def test_entries_from_elsewhere_get_synthesized_messages(self):
        thread = Thread("th", "Plain", {}, 1700000000.0, 1700000050.0, False, 2)
        entries = [
            Entry(1, "th", None, "user", "hi", None, 1700000000.0, 0),
            Entry(2, "th", 1, "assistant", "hello", {"x": 1}, 1700000010.5, 1, "given"),
        ]
        exported = librechat.export(thread, entries)
        (root,) = exported["messages"]
        assert root["isCreatedByUser"] is True and root["parentMessageId"] == NO_PARENT
        assert root["createdAt"] == "2023-11-14T22:13:20.000Z"
        (reply,) = root["children"]
        assert (reply["messageId"], reply["parentMessageId"], reply["text"]) == ("given", root["messageId"], "hello")
        assert reply["isCreatedByUser"] is False and "x" not in reply
        assert exported["conversationId"] == "th"
        assert librechat.export(thread, entries) == exported  # stable ids


# -- through the store, once the import engine exists --


def tree(store, thread_id: str) -> dict:
    entries = store.entries(thread_id)
    by_id = {e.id: e for e in entries}
    thread = store.get_thread(thread_id)
    return {
        "entries": {e.source_id: (by_id[e.parent_id].source_id if e.parent_id else None, e.role) for e in entries},
        "path": [e.source_id[:8] for e in store.path(thread_id)],
        "leaf": by_id[thread.current_leaf_id].source_id[:8] if thread.current_leaf_id else None,
    }


class TestThroughTheStore:
    def test_import_builds_the_tree_and_the_live_path(self, store):
        report = formats.import_file(store, TREE, format="librechat")
        (outcome,) = report.imported
        got = tree(store, outcome.thread_id)
        assert len(got["entries"]) == 9
        assert got["path"] == ["9501f99d", "4c395510", "d3e12088", "1f062c99"]
        assert got["leaf"] == "1f062c99"
        siblings = store.children(store.find_entry(outcome.thread_id, "4c395510-fdfd-4556-b034-f9440f025e91").id)
        assert [e.source_id[:8] for e in siblings] == ["6e4c95ca", "d3e12088"]
        thread = store.get_thread(outcome.thread_id)
        assert (thread.source_format, thread.source_id) == ("librechat", "4a86c40e-e627-4454-b158-889680e23ad3")

    def test_two_roots_survive_the_store(self, store):
        (outcome,) = formats.import_file(store, BRANCHES, format="librechat").imported
        roots = [e for e in store.entries(outcome.thread_id) if e.parent_id is None]
        assert [e.source_id[:8] for e in roots] == ["115a6247", "599e1908"]
        assert tree(store, outcome.thread_id)["path"] == ["599e1908", "de9a4e7c"]

    def test_importing_twice_changes_nothing(self, store):
        (first,) = formats.import_file(store, TREE, format="librechat").imported
        before = tree(store, first.thread_id)
        second = formats.import_file(store, TREE, format="librechat")
        assert [o.thread_id for o in second.unchanged] == [first.thread_id]
        assert second.imported == [] and second.updated == []
        assert tree(store, first.thread_id) == before

    def test_the_format_is_detected(self, store):
        assert formats.import_file(store, LINEAR).format == "librechat"

    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_import_export_import_gives_the_same_tree(self, path, tmp_path, new_db):
        import threadtree

        with threadtree.open(new_db("a")) as first, threadtree.open(new_db("b")) as second:
            (outcome,) = formats.import_file(first, path, format="librechat").imported
            thread = first.get_thread(outcome.thread_id)
            exported = librechat.export(thread, first.entries(thread.id))
            copy = tmp_path / "copy.json"
            copy.write_bytes(orjson.dumps(exported))
            (again,) = formats.import_file(second, copy, format="librechat").imported
            assert tree(second, again.thread_id) == tree(first, outcome.thread_id)
