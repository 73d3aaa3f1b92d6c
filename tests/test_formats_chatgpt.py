"""The ChatGPT reader and exporter (threadtree.formats.chatgpt), on the samples in
tests/data/chatgpt (docs/formats.md section 2) and on small files written here for the cases the
samples do not show (a conversation without mapping, malformed JSON, sibling order)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

import threadtree
import threadtree.formats
from threadtree import Entry, Thread
from threadtree.formats import chatgpt
from threadtree.formats._model import Conversation, Skipped

from .helpers import logical_dump

DATA = Path(__file__).parent / "data" / "chatgpt"
TREE = DATA / "librechat__chatgpt-tree.json"
EXPORT = DATA / "librechat__chatgpt-export.json"
CITATIONS = DATA / "librechat__chatgpt-citations.json"
CLIENT_ROOT = DATA / "openwebui-importer__gpt_example.json"
POLYLOGUE = DATA / "synthetic-fixtures" / "polylogue__native-conversation-v1.json"
SAMPLES = [TREE, EXPORT, CITATIONS, CLIENT_ROOT, POLYLOGUE]

# librechat__chatgpt-tree.json
ROOT = "aaa1f70c-100e-46f0-999e-10c8565f047f"
SYSTEM = "d38605d2-7b2c-43de-b044-22ce472c749b"
FIRST_REPLY = "bda8a275-886d-4f59-b38c-d7037144f0d5"
ORIGINAL_USER = "aaa24023-b02f-4d49-b568-5856b41750c0"  # "so cool bro"
EDITED_USER = "aaa236a3-cdfc-4eb1-b5c5-790c6641f880"  # "hi again", the edit
INTERRUPTED = "ada93f81-f59e-4b31-933d-1357efd68bfc"  # status in_progress
JOKE_PROMPT = "aaa20127-b9e3-44f6-afbe-a2475838625a"
FIRST_JOKE = "d0d2a7df-d2fc-4df9-bf0a-1c5121e227ae"
REGENERATED = "f63b8e17-aa5c-4ca6-a1bf-d4d285e269b8"  # current_node


def conversations(path: Path) -> list[Conversation | Skipped]:
    return list(chatgpt.read(path))


def only(path: Path) -> Conversation:
    (conversation,) = conversations(path)
    assert isinstance(conversation, Conversation), conversation
    return conversation


def by_id(conversation: Conversation) -> dict:
    return {node.source_id: node for node in conversation.nodes}


def children_in_order(conversation: Conversation, parent: str) -> list[str]:
    return [n.source_id for n in conversation.nodes if n.parent == parent]


def source_json(path: Path) -> list[dict]:
    """The file as the standard library reads it: the reference for items."""
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, list) else [value]


def tree_conversation() -> dict:
    return source_json(TREE)[0]


def write_array(path: Path, values: list, *, indent: bool = True) -> Path:
    path.write_bytes(orjson.dumps(values, option=orjson.OPT_INDENT_2 if indent else 0))
    return path


# -- sniff --


class TestSniff:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_every_sample_is_recognised(self, path):
        assert chatgpt.sniff(path.read_bytes()[: 1 << 20], path)

    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_detection_picks_chatgpt_for_every_sample(self, path):
        assert threadtree.formats.detect(path) == "chatgpt"

    @pytest.mark.parametrize(
        "text",
        [
            b'[{"chat": {"mapping": {}}}]',  # "mapping" one level too deep
            b'[{"title": "mapping is \\"mapping\\": {"}]',  # only inside a string
            b'[{"mapping": []}]',  # not an object
            b'{"messages": [], "mapping_note": 1}',
            b"[]",
            b'{"type": "user", "uuid": "x"}\n{"type": "assistant"}\n',
        ],
        ids=["nested", "in-a-string", "mapping-array", "other-key", "empty-array", "jsonl"],
    )
    def test_lookalikes_are_refused(self, text, tmp_path):
        assert not chatgpt.sniff(text, tmp_path / "x.json")

    @pytest.mark.parametrize(
        "folder", ["librechat", "openwebui", "claude-ai-export", "other-grok", "other-chatbotui"]
    )
    def test_other_formats_samples_are_refused(self, folder):
        for path in (DATA.parent / folder).glob("*.json"):
            assert not chatgpt.sniff(path.read_bytes()[: 1 << 20], path), path


# -- reading the samples --


class TestBranchedTree:
    """librechat__chatgpt-tree.json: a genuine export with an edited user message, a
    regenerated reply, an interrupted reply, and a mapping that is not in tree order."""

    def test_every_node_becomes_a_node_with_its_mapping_key(self):
        conversation = only(TREE)
        assert conversation.source_id == "d5dc5307-6807-41a0-8b04-4acee626eeb7"
        assert conversation.title == "Assist user with summary"
        assert conversation.format == "chatgpt"
        assert [n.source_id for n in conversation.nodes][:3] == [ROOT, SYSTEM, "aaa297ba-e2da-440e-84f4-e62e7be8b003"]
        assert len(conversation.nodes) == 13
        assert conversation.notes == []

    def test_the_map_order_is_not_used_parents_come_first(self):
        # the file lists the system node before the root, its parent
        assert list(source_json(TREE)[0]["mapping"])[:2] == [SYSTEM, ROOT]
        order = [n.source_id for n in only(TREE).nodes]
        nodes = by_id(only(TREE))
        for node in nodes.values():
            if node.parent is not None:
                assert order.index(node.parent) < order.index(node.source_id)

    def test_the_root_is_kept_as_a_hidden_empty_other_entry(self):
        root = by_id(only(TREE))[ROOT]
        assert (root.parent, root.role, root.content, root.hidden, root.created_at) == (None, "other", "", True, None)

    def test_the_system_node_is_hidden(self):
        system = by_id(only(TREE))[SYSTEM]
        assert (system.parent, system.role, system.hidden) == (ROOT, "system", True)

    def test_an_edited_user_message_is_a_second_user_sibling_after_the_original(self):
        conversation = only(TREE)
        assert children_in_order(conversation, FIRST_REPLY) == [ORIGINAL_USER, EDITED_USER]
        nodes = by_id(conversation)
        assert [nodes[k].role for k in (ORIGINAL_USER, EDITED_USER)] == ["user", "user"]
        assert [nodes[k].content for k in (ORIGINAL_USER, EDITED_USER)] == ["so cool bro", "hi again"]

    def test_a_regenerated_reply_is_a_second_assistant_sibling(self):
        conversation = only(TREE)
        assert children_in_order(conversation, JOKE_PROMPT) == [FIRST_JOKE, REGENERATED]
        assert {by_id(conversation)[k].role for k in (FIRST_JOKE, REGENERATED)} == {"assistant"}

    def test_the_live_leaf_is_current_node_the_second_regeneration(self):
        assert only(TREE).current == REGENERATED

    def test_an_interrupted_reply_is_kept_visible_with_its_status(self):
        node = by_id(only(TREE))[INTERRUPTED]
        assert node.role == "assistant" and not node.hidden
        assert node.item["message"]["status"] == "in_progress"
        assert node.content.startswith("Sure! Here's a short story for you:")

    def test_times_are_the_message_create_times(self):
        conversation = only(TREE)
        assert by_id(conversation)[REGENERATED].created_at == 1714585060.598792
        assert conversation.created_at == 1714585031.148505
        assert conversation.updated_at == 1714585060.879308

    def test_a_null_title_is_none(self, tmp_path):
        conversation = tree_conversation() | {"title": None}
        assert only(write_array(tmp_path / "c.json", [conversation])).title is None

    def test_the_header_is_the_conversation_without_its_mapping(self):
        conversation = only(TREE)
        expected = {k: v for k, v in source_json(TREE)[0].items() if k != "mapping"}
        assert conversation.metadata == {"header": expected}
        assert conversation.metadata["header"]["current_node"] == REGENERATED


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_items_are_the_nodes_exactly_as_in_the_file(path):
    """Every node is kept, and its item equals what the standard library reads (floats such as
    1714585031.150442 included, compared exactly)."""
    reference = {c["id"]: c["mapping"] for c in source_json(path)}
    read = [c for c in conversations(path) if isinstance(c, Conversation)]
    assert len(read) == len(reference)
    for conversation in read:
        mapping = reference[conversation.source_id]
        assert sorted(n.source_id for n in conversation.nodes) == sorted(mapping)
        for node in conversation.nodes:
            assert node.item == mapping[node.source_id]


def test_floats_keep_every_digit():
    node = by_id(only(TREE))["aaa297ba-e2da-440e-84f4-e62e7be8b003"]
    created = node.item["message"]["create_time"]
    assert type(created) is float and repr(created) == "1714585031.150442"


class TestBrowsingChain:
    """librechat__chatgpt-export.json: two conversations; the first has browsing tool chains."""

    def test_both_conversations_are_read_in_file_order(self):
        got = conversations(EXPORT)
        assert [c.source_id for c in got] == [
            "d6523d1e-7ec3-474f-a363-0e9dffdb3d93", "7c5ab593-dbab-43bd-862d-2c3c1eeebf6a"]
        assert [len(c.nodes) for c in got] == [17, 6]
        assert [c.where for c in got] == [
            "conversation 1 (id d6523d1e-7ec3-474f-a363-0e9dffdb3d93)",
            "conversation 2 (id 7c5ab593-dbab-43bd-862d-2c3c1eeebf6a)",
        ]

    def test_a_tool_call_is_an_assistant_entry_with_the_code_as_text(self):
        call = by_id(conversations(EXPORT)[0])["412dd50f-40c9-4f21-9102-fe148eb41a0b"]
        assert (call.role, call.hidden) == ("assistant", False)
        assert call.content == 'search("Volkswagen Transporter fuel consumption with 8 people l/km")'
        assert call.item["message"]["recipient"] == "browser"

    def test_browsing_output_is_a_hidden_tool_entry_with_its_result(self):
        nodes = by_id(conversations(EXPORT)[0])
        display = nodes["374bbcc8-2013-4387-8cd8-3e64abbd60ca"]
        assert (display.role, display.hidden) == ("tool", True)  # weight 0
        assert display.item["message"]["author"]["name"] == "browser"
        assert display.content.startswith("# 【0†Volkswagen Transporter MPG")
        quote = nodes["b87c7f57-a6f4-4f4f-999f-38bd70981ae0"]
        assert quote.item["message"]["content"]["content_type"] == "tether_quote"
        assert quote.content == quote.item["message"]["content"]["text"] != ""

    def test_the_chain_is_linear_from_the_question_to_the_answer(self):
        conversation = conversations(EXPORT)[0]
        roles = [n.role for n in conversation.nodes]
        assert roles[:9] == ["other", "system", "user", "assistant", "tool", "assistant", "tool", "tool", "assistant"]
        assert conversation.current == "88a0cf9f-e860-4b34-8e7e-65f8346f4862"


class TestDanglingPointers:
    """librechat__chatgpt-citations.json: parent, a child and current_node outside mapping."""

    def test_the_dangling_parent_is_passed_on_for_the_engine_to_repair(self):
        nodes = by_id(only(CITATIONS))
        assert nodes["9e874379-5008-4a2d-aa2e-628d1d705a04"].parent == "5cc5e87b-2b74-485a-b3a7-23cb25f202db"
        assert nodes["4b3aec6b-5146-4bad-ae8e-204fdb6accda"].parent == "9e874379-5008-4a2d-aa2e-628d1d705a04"

    def test_current_node_outside_the_mapping_falls_back_to_the_newest_leaf(self):
        conversation = only(CITATIONS)
        assert conversation.metadata["header"]["current_node"] == "88a0cf9f-e860-4b34-8e7e-65f8346f4862"
        assert conversation.current == "4b3aec6b-5146-4bad-ae8e-204fdb6accda"
        assert any("current_node '88a0cf9f" in note and "4b3aec6b" in note for note in conversation.notes)

    def test_a_child_outside_the_mapping_is_noted(self):
        notes = only(CITATIONS).notes
        assert any(n.startswith("node 4b3aec6b") and "aaa27ed5" in n for n in notes), notes


class TestClientCreatedRoot:
    """openwebui-importer__gpt_example.json (2025): client-created-root, hidden system node,
    hidden user_editable_context (custom instructions) with role user."""

    def test_client_created_root_is_the_root(self):
        conversation = only(CLIENT_ROOT)
        root = conversation.nodes[0]
        assert (root.source_id, root.parent, root.role, root.hidden) == ("client-created-root", None, "other", True)
        assert sum(1 for n in conversation.nodes if n.parent is None) == 1

    def test_custom_instructions_are_a_hidden_user_entry_with_their_text(self):
        node = by_id(only(CLIENT_ROOT))["a021bc5d-b3f2-4120-a182-c00058472c7b"]
        assert (node.role, node.hidden, node.created_at) == ("user", True, None)
        assert "Please keep the initial response to 1 to 2 paragraphs" in node.content

    def test_visible_entries_are_the_five_exchanges(self):
        visible = [n for n in only(CLIENT_ROOT).nodes if not n.hidden]
        assert [n.role for n in visible] == ["user", "assistant"] * 5
        assert visible[0].content == "Can you explain how photosynthesis works in simple terms?"


class TestPolylogueFixture:
    """synthetic-fixtures/polylogue__native-conversation-v1.json: a single conversation object
    (no array), node ids that differ from message ids, thoughts, a tool call and its output,
    reasoning_recap, multimodal parts with images."""

    def test_a_single_conversation_object_is_read(self):
        conversation = only(POLYLOGUE)
        assert conversation.source_id == "chatgpt-fixture-conversation"
        assert len(conversation.nodes) == 9

    def test_the_mapping_key_is_the_id_not_the_message_id(self):
        user = by_id(only(POLYLOGUE))["user"]
        assert user.item["message"]["id"] == "user-message"
        assert user.parent == "context"

    def test_image_parts_become_placeholders(self):
        nodes = by_id(only(POLYLOGUE))
        assert nodes["user"].content == (
            "Analyze the attached fixture and create an artifact.\n[image fixture-input-image]")
        assert nodes["answer-active"].content.endswith("\n[image fixture-output-image]")

    def test_thoughts_recap_and_tool_output_give_their_text(self):
        nodes = by_id(only(POLYLOGUE))
        thought = nodes["thought-active"]
        assert (thought.role, thought.content) == ("assistant", "Privacy-safe reasoning trace.")
        assert nodes["recap-active"].content == "Privacy-safe reasoning summary."
        assert (nodes["tool-result"].role, nodes["tool-result"].content) == ("tool", "Privacy-safe tool result.")
        assert nodes["tool-call"].content == '{"query":"fixture evidence"}'

    def test_system_custom_instructions_are_hidden_with_both_fields(self):
        context = by_id(only(POLYLOGUE))["context"]
        assert (context.role, context.hidden) == ("system", True)
        assert context.content == "Privacy-safe fixture profile.\nPreserve structured provider evidence."

    def test_the_inactive_answer_comes_first_and_the_active_branch_is_live(self):
        conversation = only(POLYLOGUE)
        assert children_in_order(conversation, "user") == ["answer-inactive", "thought-active"]
        assert conversation.current == "answer-active"
        assert [n.hidden for n in conversation.nodes if n.source_id.endswith("active")] == [False] * 4


# -- text extraction of shapes the samples do not show --


@pytest.mark.parametrize(
    "content, text",
    [
        ({"content_type": "text", "parts": ["a", "b"]}, "a\nb"),
        ({"content_type": "text", "parts": [""]}, ""),
        ({"content_type": "thoughts",
          "thoughts": [{"summary": "S1", "content": "C1"}, {"summary": "S2", "content": ""}]}, "S1\nC1\nS2"),
        ({"content_type": "reasoning_recap", "content": "Thought for 7s"}, "Thought for 7s"),
        ({"content_type": "execution_output", "text": "42"}, "42"),
        ({"content_type": "tether_browsing_display", "result": "R", "summary": None}, "R"),
        ({"content_type": "multimodal_text",
          "parts": [{"content_type": "image_asset_pointer", "asset_pointer": "sediment://file_00ab"}]},
         "[image file_00ab]"),
        ({"content_type": "model_editable_context", "model_set_context": "memory"}, "memory"),
        ({"content_type": "system_error", "name": "E", "text": "failed"}, "failed"),
    ],
    ids=["parts", "empty", "thoughts", "recap", "execution", "browsing", "sediment-image", "memory", "error"],
)
def test_text_of_each_content_type(content, text):
    assert chatgpt._text(content) == text


@pytest.mark.parametrize(
    "change, hidden",
    [
        ({}, False),
        ({"metadata": {"is_visually_hidden_from_conversation": True}}, True),
        ({"metadata": {"is_user_system_message": True}}, True),
        ({"weight": 0}, True),
        ({"weight": 0.0}, True),
        ({"channel": "analysis"}, True),
        ({"channel": "commentary"}, True),
        ({"channel": "final"}, False),
        ({"recipient": "browser"}, False),
        ({"content": {"content_type": "model_editable_context", "model_set_context": "m"}}, True),
        ({"author": {"role": "system"}}, True),
        ({"author": {"role": "tool", "name": "python"}}, False),
    ],
    ids=["plain", "visually-hidden", "user-system", "weight-0", "weight-0.0", "analysis", "commentary", "final",
         "tool-call", "memory", "system", "tool"],
)
def test_visibility_rules(change, hidden):
    message = {"id": "m", "author": {"role": "assistant"}, "content": {"content_type": "text", "parts": ["x"]},
               "weight": 1.0, "metadata": {}, "recipient": "all", "channel": None} | change
    assert chatgpt._node("n", {"id": "n", "message": message, "parent": None, "children": []}, []).hidden is hidden


def test_unknown_roles_become_other_and_keep_their_name():
    message = {"author": {"role": "critic", "name": "reviewer"}, "content": {"content_type": "text", "parts": ["hm"]}}
    node = chatgpt._node("n", {"id": "n", "message": message, "parent": "p", "children": []}, [])
    assert (node.role, node.content, node.item["message"]["author"]["name"]) == ("other", "hm", "reviewer")


# -- conversations and files that cannot be read whole --


class TestSkipped:
    def test_a_conversation_without_mapping_is_skipped_and_the_others_import(self, tmp_path):
        broken = {"id": "corrupted-1", "title": "Corrupted entry", "create_time": 1.0}
        path = write_array(tmp_path / "conversations.json", [*source_json(EXPORT), broken, tree_conversation()])
        got = conversations(path)
        assert [type(g).__name__ for g in got] == ["Conversation", "Conversation", "Skipped", "Conversation"]
        assert got[2].where == "conversation 3 (id corrupted-1)"
        assert "no mapping" in got[2].reason
        assert got[3].source_id == "d5dc5307-6807-41a0-8b04-4acee626eeb7"

    @pytest.mark.parametrize(
        "value, reason",
        [
            ({"id": "e", "mapping": {}}, "empty"),
            ({"id": "e", "mapping": []}, "mapping that is an array"),
            ({"title": "no id", "mapping": {"r": {"id": "r", "message": None, "parent": None, "children": []}}},
             "no id"),
            ([1, 2], "must be a JSON object, not an array"),
        ],
        ids=["empty-mapping", "mapping-array", "no-id", "not-an-object"],
    )
    def test_other_unreadable_conversations_are_skipped_with_the_reason(self, tmp_path, value, reason):
        path = write_array(tmp_path / "c.json", [value, tree_conversation()])
        skipped, conversation = conversations(path)
        assert isinstance(skipped, Skipped) and skipped.where.startswith("conversation 1")
        assert reason in skipped.reason
        assert isinstance(conversation, Conversation)

    def test_a_file_that_is_neither_array_nor_object_is_one_skip(self, tmp_path):
        path = tmp_path / "c.json"
        path.write_text('"just a string"')
        assert conversations(path) == [
            Skipped("line 1, column 1", "not a ChatGPT export: the file is neither a JSON array nor an object")]


def position(text: str, index: int) -> str:
    """``line L, column C`` of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return f"line {line}, column {index - (text.rfind(chr(10), 0, index) + 1) + 1}"


class TestMalformedJson:
    def test_a_malformed_conversation_is_reported_with_line_and_column_and_the_next_one_is_read(self, tmp_path):
        text = orjson.dumps([*source_json(EXPORT), tree_conversation()], option=orjson.OPT_INDENT_2).decode()
        marker = '"title": "Conversation 2",'
        text = text.replace(marker, marker + " ,", 1)  # a stray comma inside conversation 2
        path = tmp_path / "conversations.json"
        path.write_text(text, encoding="utf-8")
        got = conversations(path)
        assert [type(g).__name__ for g in got] == ["Conversation", "Skipped", "Conversation"]
        bad = text.index(marker) + len(marker) + 1
        assert got[1].where == f"conversation 2, {position(text, bad)}"
        assert got[1].reason.startswith("malformed JSON: ")
        assert "reading resumed at line" in got[1].reason
        assert got[2].source_id == "d5dc5307-6807-41a0-8b04-4acee626eeb7" and len(got[2].nodes) == 13

    def test_columns_count_characters_on_a_one_line_file(self, tmp_path):
        first = tree_conversation() | {"title": "Ünïcödé ☃ title"}
        second = source_json(EXPORT)[1]
        text = orjson.dumps([first, second]).decode()
        marker = '"title":"Conversation 2"'
        text = text.replace(marker, marker + "x", 1)
        path = tmp_path / "conversations.json"
        path.write_text(text, encoding="utf-8")
        first_read, bad = conversations(path)
        assert isinstance(first_read, Conversation) and first_read.title == "Ünïcödé ☃ title"
        assert bad.where == f"conversation 2, {position(text, text.index(marker) + len(marker))}"
        assert bad.where.startswith("conversation 2, line 1, column ")

    def test_a_truncated_file_reports_where_it_ends(self, tmp_path):
        text = orjson.dumps([*source_json(EXPORT)], option=orjson.OPT_INDENT_2).decode()
        cut = text.index('"title": "Conversation 2"') + 100
        path = tmp_path / "conversations.json"
        path.write_text(text[:cut], encoding="utf-8")
        got = conversations(path)
        assert isinstance(got[0], Conversation)
        assert isinstance(got[1], Skipped)
        assert got[1].reason == "the file is truncated: it ends inside this conversation"
        assert got[1].where == f"conversation 2, {position(text, cut)}"
        assert len(got) == 2

    @pytest.mark.parametrize("layout", ["indented", "one line", "one object"])
    @pytest.mark.parametrize("kept", [1, 2], ids=["1 of 3 bytes", "2 of 3 bytes"])
    def test_a_file_cut_inside_a_character_says_it_is_truncated_and_where(self, tmp_path, layout, kept):
        """orjson reports a cut multi-byte character as "surrogates not allowed", at position 0."""
        second = tree_conversation() | {"id": "second", "title": "Café ☃ — the snowman"}
        value = second if layout == "one object" else [tree_conversation(), second]
        data = orjson.dumps(value, option=orjson.OPT_INDENT_2 if layout == "indented" else 0)
        index = data.rindex("☃".encode())  # the title of the last conversation
        path = tmp_path / "conversations.json"
        path.write_bytes(data[: index + kept])
        *rest, cut = conversations(path)
        before = data[:index].decode()
        where = position(before, len(before))  # the line and column of the cut character
        if layout == "one object":
            assert (rest, cut.where) == ([], where)
            assert cut.reason == "the file is truncated: it ends in the middle of a UTF-8 character, inside the conversation"
        else:
            assert [c.source_id for c in rest] == ["d5dc5307-6807-41a0-8b04-4acee626eeb7"]
            assert cut.where == f"conversation 2, {where}"
            assert cut.reason == "the file is truncated: it ends in the middle of a UTF-8 character, inside this conversation"

    def test_a_missing_closing_bracket_keeps_every_conversation(self, tmp_path):
        text = orjson.dumps(source_json(EXPORT)).decode()[:-1]
        path = tmp_path / "conversations.json"
        path.write_text(text, encoding="utf-8")
        *read, last = conversations(path)
        assert [len(c.nodes) for c in read] == [17, 6]
        assert last.reason == "the file is truncated: it ends before the array is closed with ']'"

    def test_a_malformed_single_object_is_reported_with_line_and_column(self, tmp_path):
        text = POLYLOGUE.read_text(encoding="utf-8")
        index = text.index('"Superseded answer."')
        text = text[:index] + "'" + text[index + 1 :]
        path = tmp_path / "one.json"
        path.write_text(text, encoding="utf-8")
        (skipped,) = conversations(path)
        assert skipped.where == position(text, index)
        assert skipped.reason.startswith("malformed JSON")

    def test_invalid_utf8_is_located(self, tmp_path):
        data = orjson.dumps([tree_conversation(), source_json(EXPORT)[1]], option=orjson.OPT_INDENT_2)
        index = data.index(b"give me code in C#")
        path = tmp_path / "conversations.json"
        path.write_bytes(data[:index] + b"\xff" + data[index + 1 :])
        first, bad = conversations(path)
        assert isinstance(first, Conversation)
        assert bad.where == f"conversation 2, {position(data[:index].decode(), index)}"
        assert bad.reason.startswith("malformed JSON: the text is not valid UTF-8 (invalid start byte)")


# -- the tree: sibling order from children arrays, never from the map order --


class TestSiblingOrder:
    def test_siblings_follow_the_children_array_not_the_map_order(self, tmp_path):
        conversation = tree_conversation()
        mapping = conversation["mapping"]
        conversation["mapping"] = dict(reversed(list(mapping.items())))  # the edit now comes first in the map
        got = only(write_array(tmp_path / "c.json", [conversation]))
        assert children_in_order(got, FIRST_REPLY) == [ORIGINAL_USER, EDITED_USER]
        assert children_in_order(got, JOKE_PROMPT) == [FIRST_JOKE, REGENERATED]

    def test_a_reversed_children_array_reverses_the_siblings(self, tmp_path):
        conversation = tree_conversation()
        conversation["mapping"][FIRST_REPLY]["children"].reverse()
        got = only(write_array(tmp_path / "c.json", [conversation]))
        assert children_in_order(got, FIRST_REPLY) == [EDITED_USER, ORIGINAL_USER]
        assert got.notes == []

    def test_children_missing_from_the_array_come_after_in_map_order(self, tmp_path):
        conversation = tree_conversation()
        conversation["mapping"][FIRST_REPLY]["children"] = [EDITED_USER]
        got = only(write_array(tmp_path / "c.json", [conversation]))
        assert children_in_order(got, FIRST_REPLY) == [EDITED_USER, ORIGINAL_USER]
        assert any(n.startswith(f"node {FIRST_REPLY}: children {ORIGINAL_USER}") for n in got.notes), got.notes

    def test_without_current_node_the_newest_leaf_is_live(self, tmp_path):
        conversation = tree_conversation()
        del conversation["current_node"]
        got = only(write_array(tmp_path / "c.json", [conversation]))
        assert got.current == REGENERATED  # the leaf with the highest create_time
        assert any("no current_node" in note for note in got.notes)

    def test_null_times_count_as_oldest_and_ties_go_to_the_first_in_map_order(self, tmp_path):
        conversation = tree_conversation()
        conversation["current_node"] = "gone"
        for key in (INTERRUPTED, FIRST_JOKE, REGENERATED):
            conversation["mapping"][key]["message"]["create_time"] = None
        assert only(write_array(tmp_path / "c.json", [conversation])).current == INTERRUPTED


# -- streaming: the array is read a conversation at a time --


class TestStreaming:
    def many(self, count: int) -> list[dict]:
        out = []
        for k in range(count):
            conversation = source_json(EXPORT)[k % 2]
            conversation["id"] = conversation["conversation_id"] = f"c{k}"
            conversation["title"] = f"Ünïcödé {k} ☃"
            out.append(conversation)
        return out

    @pytest.mark.parametrize("chunk", [7, 100, 4096, 1 << 23])
    @pytest.mark.parametrize("indent", [True, False], ids=["indented", "compact"])
    def test_any_read_size_gives_the_same_conversations(self, tmp_path, monkeypatch, chunk, indent):
        values = self.many(6)
        path = write_array(tmp_path / "c.json", values, indent=indent)
        monkeypatch.setattr(chatgpt, "_CHUNK", chunk)
        got = conversations(path)
        assert [c.source_id for c in got] == [f"c{k}" for k in range(6)]
        assert [{n.source_id: n.item for n in c.nodes} for c in got] == [v["mapping"] for v in values]

    def test_an_array_of_objects_starting_with_the_same_key_inside_a_conversation(self, tmp_path):
        """A false separator (``}, {"title":`` inside a conversation) is tried, fails to parse,
        and the real end is found."""
        values = self.many(3)
        for v in values:
            rest = [(key, value) for key, value in v.items() if key not in ("title", "safe_urls")]
            first = [("title", v["title"]), ("safe_urls", [{"title": "a"}, {"title": "b"}, {"title": "c"}])]
            v.clear()
            v.update(first + rest)
        path = write_array(tmp_path / "c.json", values)
        got = conversations(path)
        assert [c.source_id for c in got] == ["c0", "c1", "c2"]
        assert got[1].metadata["header"]["safe_urls"] == [{"title": "a"}, {"title": "b"}, {"title": "c"}]

    def test_conversations_starting_with_different_keys(self, tmp_path):
        values = self.many(4)
        values[1] = {"id": values[1]["id"], **values[1]}  # starts with "id", not "title"
        path = write_array(tmp_path / "c.json", values, indent=False)
        assert [c.source_id for c in conversations(path)] == ["c0", "c1", "c2", "c3"]

    def test_an_empty_array_has_no_conversations(self, tmp_path):
        path = tmp_path / "c.json"
        path.write_text(" [ ]\n")
        assert conversations(path) == []


# -- export without a store --


def test_a_thread_from_another_format_gets_a_header_made_from_the_thread():
    thread = Thread("t1", "From elsewhere", {"source": {"header": {"sessionId": "s"}}}, 10.0, 20.0, False, 2,
                    source_format="claude-code", source_id="s")
    entries = [
        Entry(1, "t1", None, "user", "Hello", {"type": "user"}, 11.0, 0, source_id="u1"),
        Entry(2, "t1", 1, "assistant", "Hi", None, 12.0, 1),
    ]
    exported = chatgpt.export(thread, entries)
    assert {k: v for k, v in exported.items() if k != "mapping"} == {
        "title": "From elsewhere", "create_time": 10.0, "update_time": 20.0, "id": "t1", "conversation_id": "t1",
        "threadtree_thread_id": "t1", "current_node": chatgpt._made_up_id("t1", 2)}
    user = exported["mapping"]["u1"]
    assert user["parent"] is None and user["children"] == [chatgpt._made_up_id("t1", 2)]
    assert user["message"]["author"]["role"] == "user"
    assert user["message"]["content"] == {"content_type": "text", "parts": ["Hello"]}
    assert user["message"]["create_time"] == 11.0


# -- the store: import, import again, export and re-import --


def tree_shape(store, thread_id: str) -> dict:
    """Everything a round trip must keep, keyed by source id (made up as export does when
    an entry has none)."""
    entries = store.entries(thread_id)
    sources = {e.id: e.source_id or chatgpt._made_up_id(thread_id, e.id) for e in entries}
    thread = store.get_thread(thread_id)
    return {
        "entries": {
            sources[e.id]: (sources.get(e.parent_id), e.role, e.content, e.hidden) for e in entries
        },
        "siblings": [sources[e.id] for e in entries],
        "leaf": sources[thread.current_leaf_id],
    }


@pytest.fixture
def formats():
    return threadtree.formats


def imported(formats, store, path) -> str:
    report = formats.import_file(store, path, format="chatgpt")
    assert report.skipped == [], report.skipped
    (outcome,) = report.imported
    return outcome.thread_id


class TestStore:
    def test_the_branched_tree_is_stored_with_its_live_path(self, formats, store):
        tid = imported(formats, store, TREE)
        thread = store.get_thread(tid)
        assert (thread.source_format, thread.source_id, thread.title) == (
            "chatgpt", "d5dc5307-6807-41a0-8b04-4acee626eeb7", "Assist user with summary")
        entries = store.entries(tid)
        assert len(entries) == 13
        by_source = {e.source_id: e for e in entries}
        assert by_source[ORIGINAL_USER].id < by_source[EDITED_USER].id  # sibling order kept
        assert by_source[FIRST_JOKE].id < by_source[REGENERATED].id
        assert thread.current_leaf_id == by_source[REGENERATED].id
        path = [e.source_id for e in store.path(tid)]
        assert path[0] == ROOT and path[-1] == REGENERATED and EDITED_USER in path and ORIGINAL_USER not in path
        assert [e.role for e in store.path(tid) if not e.hidden] == ["user", "assistant"] * 3
        assert thread.metadata["source"]["header"]["conversation_id"] == "d5dc5307-6807-41a0-8b04-4acee626eeb7"

    def test_importing_twice_changes_nothing(self, formats, store):
        assert len(formats.import_file(store, EXPORT).imported) == 2
        before = logical_dump(store.filename)
        report = formats.import_file(store, EXPORT)
        assert report.format == "chatgpt"
        assert len(report.unchanged) == 2 and not report.imported and not report.updated
        assert logical_dump(store.filename) == before

    def test_dangling_pointers_make_a_root_and_the_newest_leaf_live(self, formats, store):
        tid = imported(formats, store, CITATIONS)
        entries = {e.source_id: e for e in store.entries(tid)}
        assert entries["9e874379-5008-4a2d-aa2e-628d1d705a04"].parent_id is None
        assert store.get_thread(tid).current_leaf_id == entries["4b3aec6b-5146-4bad-ae8e-204fdb6accda"].id

    def test_a_skipped_conversation_does_not_stop_the_others(self, formats, store, tmp_path):
        broken = {"id": "corrupted-1", "title": "Corrupted entry"}
        path = write_array(tmp_path / "conversations.json", [broken, tree_conversation()])
        report = formats.import_file(store, path)
        assert [o.where for o in report.skipped] == ["conversation 1 (id corrupted-1)"]
        assert len(report.imported) == 1 and report.added == 13


class TestExport:
    def round_trip(self, formats, store, path, tmp_path, new_db) -> tuple[dict, dict, dict]:
        tid = imported(formats, store, path)
        exported = formats.export_thread(store, tid, "chatgpt")
        again = tmp_path / "exported.json"
        again.write_bytes(orjson.dumps([exported]))
        with threadtree.open(new_db("fresh")) as fresh:
            tid2 = imported(formats, fresh, again)
            return exported, tree_shape(store, tid), tree_shape(fresh, tid2)

    @pytest.mark.parametrize("path", [TREE, CITATIONS, CLIENT_ROOT, POLYLOGUE], ids=lambda p: p.name)
    def test_export_then_import_gives_the_same_tree(self, formats, store, tmp_path, new_db, path):
        _, before, after = self.round_trip(formats, store, path, tmp_path, new_db)
        assert after == before

    def test_an_untouched_conversation_is_exported_as_it_was_read(self, formats, store, tmp_path, new_db):
        exported, _, _ = self.round_trip(formats, store, TREE, tmp_path, new_db)
        original = tree_conversation()
        assert exported == original
        assert list(exported)[:4] == ["title", "create_time", "update_time", "mapping"]

    def test_the_export_follows_threadtree_the_live_leaf_and_repairs(self, formats, store, tmp_path):
        tid = imported(formats, store, CITATIONS)
        exported = formats.export_thread(store, tid, "chatgpt")
        node = exported["mapping"]["9e874379-5008-4a2d-aa2e-628d1d705a04"]
        assert node["parent"] is None  # the dangling parent became a root
        assert exported["mapping"]["4b3aec6b-5146-4bad-ae8e-204fdb6accda"]["children"] == []
        assert exported["current_node"] == "4b3aec6b-5146-4bad-ae8e-204fdb6accda"

    def test_a_rewound_thread_exports_its_new_live_leaf(self, formats, store, tmp_path):
        tid = imported(formats, store, TREE)
        store.rewind(tid, store.find_entry(tid, INTERRUPTED).id)
        exported = formats.export_thread(store, tid, "chatgpt")
        assert exported["current_node"] == INTERRUPTED

    def test_a_thread_made_here_with_two_roots_gets_one_synthetic_root(self, formats, store, tmp_path, new_db):
        thread = store.create_thread("made here")
        system = store.append(thread.id, "system", "Be brief.", hidden=True)
        question = store.append(thread.id, "user", "Hi?", source_id="q1")
        first = store.append(thread.id, "assistant", "Hello.")
        second = store.fork(question.id, "assistant", "Hey!")
        other_root = store.append(thread.id, "user", "A second start", parent_id=None)
        store.rewind(thread.id, second.id)
        exported = formats.export_thread(store, thread.id, "chatgpt")
        roots = [k for k, n in exported["mapping"].items() if n["parent"] is None]
        assert len(roots) == 1
        assert exported["mapping"][roots[0]]["message"] is None
        assert "q1" in exported["mapping"]
        assert exported["mapping"]["q1"]["children"] == [
            chatgpt._made_up_id(thread.id, first.id), chatgpt._made_up_id(thread.id, second.id)]
        assert exported["title"] == "made here" and exported["id"] == thread.id
        assert exported["current_node"] == chatgpt._made_up_id(thread.id, second.id)

        path = tmp_path / "made.json"
        path.write_bytes(orjson.dumps(exported))
        with threadtree.open(new_db("fresh")) as fresh:
            tid = imported(formats, fresh, path)
            after = tree_shape(fresh, tid)
        before = tree_shape(store, thread.id)
        assert exported["threadtree_thread_id"] == thread.id and roots[0] == chatgpt._made_up_id(thread.id, "root")
        assert after == before  # the synthetic root is left out again: the roots come back as roots
        assert after["entries"][before["leaf"]][1:] == ("assistant", "Hey!", False)
        made_up = chatgpt._made_up_id
        assert after["entries"][made_up(thread.id, system.id)] == (None, "system", "Be brief.", True)
        assert after["entries"][made_up(thread.id, other_root.id)] == (None, "user", "A second start", False)
