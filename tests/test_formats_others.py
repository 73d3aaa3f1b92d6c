"""Readers of the secondary formats: Claude.ai export, pi, Grok, SillyTavern, AI Studio, Chatbot UI.

Samples live in tests/data/<folder>/ (copied from the shared corpus with their .source.txt
notes; the pi sample is a line excerpt, see its note). Hand-made variants are written to
tmp_path, derived from those samples where possible. docs/formats.md sections 6 to 11.
"""

from __future__ import annotations

import copy
import pathlib

import orjson
import pytest

from threadtree.formats import (
    aistudio,
    chatbotui,
    claude_ai,
    grok,
    import_file,
    pi,
    sillytavern,
)
from threadtree.formats._model import Conversation, Skipped

DATA = pathlib.Path(__file__).parent / "data"
SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "formats"

CLAUDE_YALEMAN = DATA / "claude-ai-export" / "yaleman-anthropic-data__conversations.json"
CLAUDE_EXAMPLE = DATA / "claude-ai-export" / "openwebui-importer__claude_example.json"
CLAUDE_THINKING = DATA / "claude-ai-export" / "synthetic-fixtures" / "openwebui-importer__claude_thinking_example.json"
PI_EXCERPT = DATA / "pi-coding-agent" / "pi-mono__before-compaction.excerpt.jsonl"
GROK = DATA / "other-grok" / "openwebui-importer__grok_example.json"
TAVERN = DATA / "other-sillytavern" / "sillytavern__default_chat_Aqua.jsonl"
STUDIO = DATA / "other-aistudio" / "openwebui-importer__aistudio_example.json"
STUDIO_BRANCHING = DATA / "other-aistudio" / "synthetic-fixtures" / "polylogue__gemini_branching_session.json"
CHATBOTUI = DATA / "other-chatbotui" / "librechat__chatbotui-export.json"

MODULES = [claude_ai, pi, grok, sillytavern, aistudio, chatbotui]
FOLDER_FORMAT = {
    "claude-ai-export": "claude-ai",
    "pi-coding-agent": "pi",
    "other-grok": "grok",
    "other-sillytavern": "sillytavern",
    "other-aistudio": "aistudio",
    "other-chatbotui": "chatbotui",
}


# -- helpers --


def read(module, path) -> list[Conversation | Skipped]:
    return list(module.read(pathlib.Path(path)))


def only(module, path) -> Conversation:
    (conv,) = read(module, path)
    assert isinstance(conv, Conversation), conv
    return conv


def parents(conv: Conversation) -> dict[str, str | None]:
    return {node.source_id: node.parent for node in conv.nodes}


def node(conv: Conversation, source_id: str):
    (found,) = [n for n in conv.nodes if n.source_id == source_id]
    return found


def is_chain(conv: Conversation) -> bool:
    """Every node hangs under the node listed before it."""
    ids = [n.source_id for n in conv.nodes]
    return [n.parent for n in conv.nodes] == [None, *ids[:-1]][: len(ids)]


def write_json(tmp_path, name: str, value) -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))
    return path


def write_lines(tmp_path, name: str, lines: list) -> pathlib.Path:
    """A JSONL file; str lines are written as they are (for malformed lines)."""
    path = tmp_path / name
    path.write_bytes(b"".join(
        (line.encode() if isinstance(line, str) else orjson.dumps(line)) + b"\n" for line in lines
    ))
    return path


def load(path: pathlib.Path):
    return orjson.loads(path.read_bytes())


def sample_files() -> list[pathlib.Path]:
    return sorted(
        p for p in DATA.rglob("*")
        if p.is_file() and not p.name.endswith(".source.txt") and p.suffix in (".json", ".jsonl")
    )


# -- detection --


# Heads of the other formats, shaped as their samples are (docs/formats.md sections 2 to 5).
FOREIGN_HEADS = {
    "chatgpt-mapping-array": orjson.dumps([{
        "title": "t", "create_time": 1714585031.1, "mapping": {"r": {"id": "r", "message": None, "parent": None,
                                                                    "children": []}},
        "current_node": "r", "conversation_id": "c",
    }]),
    "chatgpt-single-object": orjson.dumps({"title": "t", "mapping": {}, "current_node": None, "id": "c"}),
    "openwebui-export": orjson.dumps([{"id": "c", "title": "t", "chat": {"history": {
        "messages": {"m": {"id": "m", "parentId": None, "childrenIds": [], "role": "user", "content": "hi"}},
        "currentId": "m"}}}]),
    "openwebui-chat-column": orjson.dumps({"id": "", "title": "t", "history": {"messages": {}, "currentId": None},
                                           "messages": []}),
    "librechat": orjson.dumps({"conversationId": "c", "endpoint": "openAI", "title": "t", "messages": [
        {"messageId": "m", "parentMessageId": "00000000-0000-0000-0000-000000000000", "sender": "User",
         "text": "hi", "isCreatedByUser": True}]}),
    "claude-code": b"\n".join(orjson.dumps(line) for line in [
        {"type": "summary", "summary": "s", "leafUuid": "x"},
        {"type": "user", "uuid": "a", "parentUuid": None, "sessionId": "s1", "cwd": "/tmp",
         "message": {"role": "user", "content": "hi"}},
    ]),
    "claude-code-session-typed": orjson.dumps(
        {"type": "session", "id": "x", "cwd": "/tmp", "sessionId": "s1", "uuid": "a", "parentUuid": None}),
    "empty-array": b"[]",
    "not-json": b"hello world\n",
}


@pytest.mark.parametrize("sample", sample_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_each_sample_is_claimed_by_its_own_reader_only(sample):
    expected = FOLDER_FORMAT.get(sample.relative_to(DATA).parts[0])
    head = sample.read_bytes()[: 1 << 20]
    claimed = [m.NAME for m in MODULES if m.sniff(head, sample)]
    assert claimed == ([expected] if expected else [])


@pytest.mark.parametrize("sample", sample_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_a_cut_head_of_a_large_file_is_claimed_the_same_way(sample, tmp_path):
    """A head that is not the whole file (first 2,000 bytes of a pretended larger file)."""
    expected = FOLDER_FORMAT.get(sample.relative_to(DATA).parts[0])
    head = sample.read_bytes()[:2000]
    larger = tmp_path / "larger"
    larger.write_bytes(b"x" * 3000)
    claimed = [m.NAME for m in MODULES if m.sniff(head, larger)]
    assert claimed == ([expected] if expected else [])


@pytest.mark.parametrize("shape", sorted(FOREIGN_HEADS))
def test_no_reader_claims_another_formats_shape(shape, tmp_path):
    path = tmp_path / "file.json"
    path.write_bytes(FOREIGN_HEADS[shape])
    assert [m.NAME for m in MODULES if m.sniff(FOREIGN_HEADS[shape], path)] == []


def test_module_names_and_descriptions():
    assert [m.NAME for m in MODULES] == ["claude-ai", "pi", "grok", "sillytavern", "aistudio", "chatbotui"]
    assert all(isinstance(m.DESCRIPTION, str) and m.DESCRIPTION for m in MODULES)


# -- Claude.ai export (section 6) --


class TestClaudeAi:
    def test_yaleman_sample_prefers_text_blocks_over_text_with_thinking_glued_in(self):
        conv = only(claude_ai, CLAUDE_YALEMAN)
        assert (conv.format, conv.source_id, conv.title) == (
            "claude-ai", "b49c0fc0-85d8-475c-bd2d-ee89f31f592c", "Bleep bloop")
        assert parents(conv) == {
            "f5885afd-1881-4093-9616-c296a8d71fa6": None,
            "0abf9869-20f7-4b45-99e3-4381e9d37317": "f5885afd-1881-4093-9616-c296a8d71fa6",
        }
        user, answer = conv.nodes
        assert (user.role, answer.role) == ("user", "assistant")
        assert not user.hidden and not answer.hidden
        assert answer.item["text"].startswith("The user is asking about the belief")  # thinking glued in
        assert answer.content.startswith("Dog saliva does contain some antibacterial compounds")
        assert "The user is asking" not in answer.content
        assert answer.item == load(CLAUDE_YALEMAN)[0]["chat_messages"][1]
        assert conv.current == "0abf9869-20f7-4b45-99e3-4381e9d37317"
        assert conv.metadata["header"]["account"] == {"uuid": "a55a05c0-c560-4854-b7b3-f939c32e2078"}
        assert "chat_messages" not in conv.metadata["header"]
        assert conv.created_at == pytest.approx(1751771413.076141)
        assert user.created_at == pytest.approx(1751771413.609691)

    def test_thinking_fixture_with_empty_text_takes_the_text_block(self):
        conv = only(claude_ai, CLAUDE_THINKING)
        assert [n.content for n in conv.nodes] == ["Can you greet me?", "Hello there! It's great to hear from you."]
        assert is_chain(conv)

    def test_genuine_85_conversation_export_is_read_as_chains(self):
        out = read(claude_ai, CLAUDE_EXAMPLE)
        assert len(out) == 85 and all(isinstance(c, Conversation) for c in out)
        assert sum(len(c.nodes) for c in out) == 557
        assert all(is_chain(c) for c in out)
        assert all(c.current == (c.nodes[-1].source_id if c.nodes else None) for c in out)
        assert {n.role for c in out for n in c.nodes} == {"user", "assistant"}
        assert len({c.source_id for c in out}) == 85
        assert out[0].title is None  # name ""
        last = out[84]
        assert last.title == "How Photosynthesis Works"
        assert [n.role for n in last.nodes] == ["user", "assistant"] * 5
        assert last.nodes[0].content == "Can you explain how photosynthesis works in simple terms?"

    def test_zero_message_conversations_become_empty_threads_with_a_note(self):
        out = read(claude_ai, CLAUDE_EXAMPLE)
        empty = [c for c in out if not c.nodes]
        assert [c.source_id for c in empty] == [
            "4ce3fd2a-8e49-4285-bee8-aea7d3a09dc4", "2ea6847e-915b-496b-926e-668b791ef578"]
        assert all(c.current is None and "no messages" in c.notes[0] for c in empty)

    def test_runs_of_one_sender_are_noted_not_turned_into_branches(self):
        out = {c.source_id: c for c in read(claude_ai, CLAUDE_EXAMPLE)}
        conv = out["bfb5b031-72e8-4d72-bba7-ef8c702943b8"]  # three human messages in a row
        assert is_chain(conv)
        (note,) = conv.notes
        assert "12d68aba-ae29-4e66-b0fe-3b6be1973391, 9cada200-ddda-42a0-89e8-d784f35e755e, " \
               "94136a0d-ed38-4acf-a52e-ead43cf1495f" in note
        assert "edits or retries" in note
        noted = [c for c in out.values() if any("consecutive" in n for n in c.notes)]
        assert len(noted) == 5
        assert len(out["03d6e171-a6dc-4696-a7cf-0064aeafd808"].notes) == 2  # a human run and an assistant run

    def test_parent_message_uuid_gives_a_tree_with_the_sentinel_as_root(self, tmp_path):
        base = load(CLAUDE_YALEMAN)[0]
        human, answer = base["chat_messages"]

        def msg(uuid, sender, parent, created, updated=None, text=None):
            m = copy.deepcopy(human if sender == "human" else answer)
            m.update(uuid=uuid, parent_message_uuid=parent, created_at=created, updated_at=updated or created)
            if text is not None:
                m["content"] = [{"type": "text", "text": text}]
            return m

        conv = dict(base, chat_messages=[
            msg("m1", "human", claude_ai.ROOT_PARENT, "2026-01-01T10:00:00Z"),
            msg("a1", "assistant", "m1", "2026-01-01T10:00:05Z"),
            msg("m2", "human", "a1", "2026-01-01T10:01:00Z", text="first try"),
            msg("a2", "assistant", "m2", "2026-01-01T10:01:05Z", updated="2026-01-01T10:09:00Z"),
            msg("m2b", "human", "a1", "2026-01-01T10:02:00Z", text="edited"),
            msg("a2b", "assistant", "m2b", "2026-01-01T10:02:05Z"),
        ])
        got = only(claude_ai, write_json(tmp_path, "tree.json", [conv]))
        assert parents(got) == {"m1": None, "a1": "m1", "m2": "a1", "a2": "m2", "m2b": "a1", "a2b": "m2b"}
        assert got.current == "a2"  # newest leaf by updated_at, though a2b was created later
        assert not any("consecutive" in n for n in got.notes)
        conv["chat_messages"][3]["updated_at"] = conv["chat_messages"][3]["created_at"]
        assert only(claude_ai, write_json(tmp_path, "tree2.json", [conv])).current == "a2b"

    def test_a_broken_conversation_is_skipped_and_the_others_are_read(self, tmp_path):
        good = load(CLAUDE_YALEMAN)[0]
        other = dict(copy.deepcopy(good), uuid="second")
        path = write_json(tmp_path, "mixed.json", [
            good, "not an object", {"name": "no uuid", "chat_messages": []},
            {"uuid": "bad-messages", "chat_messages": {"a": 1}}, other])
        out = read(claude_ai, path)
        assert [type(o).__name__ for o in out] == ["Conversation", "Skipped", "Skipped", "Skipped", "Conversation"]
        assert [o.where for o in out if isinstance(o, Skipped)] == [
            "conversation 2", "conversation 3", "conversation 4 (id bad-messages)"]
        assert out[4].source_id == "second"

    def test_malformed_json_is_reported_with_line_and_column(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_bytes(b'[{"uuid": "a",\n  "chat_messages": [}]\n')
        (skipped,) = read(claude_ai, path)
        assert isinstance(skipped, Skipped)
        assert skipped.where.startswith("line 2, column ")
        assert "not valid JSON" in skipped.reason

    @pytest.mark.parametrize("tail, where, reason", [
        (b',\n  {"uuid": "b",, "chat_messages": []}]', "line {n}, column 16", "not valid JSON"),
        (b',\n{"uuid": "b", "chat_messages": [NaN]}]', "element 1", "NaN is not JSON"),
        (b'] trailing', "line {m}, column 3", "extra data"),
        (b' {"uuid": "b"}]', "line {m}, column 2", "expected ','"),
    ], ids=["syntax-error", "nan", "extra-data", "missing-comma"])
    def test_an_error_after_a_good_conversation_keeps_the_conversation(self, tmp_path, tail, where, reason):
        good = CLAUDE_YALEMAN.read_bytes().rstrip()
        assert good.endswith(b"]")
        path = tmp_path / "cut.json"
        path.write_bytes(good[:-1] + tail)
        lines = good.count(b"\n") + 1
        conv, skipped = read(claude_ai, path)
        assert conv.source_id == "b49c0fc0-85d8-475c-bd2d-ee89f31f592c"
        assert skipped.where == where.format(n=lines + 1, m=lines)
        assert reason in skipped.reason

    def test_an_empty_array_has_no_conversations(self, tmp_path):
        path = tmp_path / "empty.json"
        path.write_bytes(b" [ ]\n")
        assert read(claude_ai, path) == []

    def test_a_top_level_object_is_refused(self, tmp_path):
        (skipped,) = read(claude_ai, write_json(tmp_path, "obj.json", {"uuid": "x"}))
        assert isinstance(skipped, Skipped) and "array" in skipped.reason


# -- pi (section 7) --


def pi_v3_lines():
    t = "2026-01-02T10:00:0{}.000Z".format
    return [
        {"type": "session", "version": 3, "id": "sess-3", "timestamp": t(0), "cwd": "/w",
         "parentSession": "/sessions/earlier.jsonl"},
        {"type": "model_change", "id": "a0000001", "parentId": None, "timestamp": t(1),
         "provider": "anthropic", "modelId": "claude-x"},
        {"type": "message", "id": "a0000002", "parentId": "a0000001", "timestamp": t(2),
         "message": {"role": "user", "content": "hello", "timestamp": 1767348002000}},
        {"type": "message", "id": "a0000003", "parentId": "a0000002", "timestamp": t(3),
         "message": {"role": "assistant", "content": [
             {"type": "thinking", "thinking": "secret"}, {"type": "text", "text": "Hi"},
             {"type": "toolCall", "id": "t1", "name": "read", "arguments": {"path": "a.txt"}}]}},
        {"type": "message", "id": "a0000004", "parentId": "a0000003", "timestamp": t(4),
         "message": {"role": "toolResult", "toolCallId": "t1", "toolName": "read",
                     "content": [{"type": "text", "text": "file body"}], "isError": False}},
        {"type": "label", "id": "a0000005", "parentId": "a0000004", "timestamp": t(5),
         "targetId": "a0000003", "label": "checkpoint"},
        {"type": "branch_summary", "id": "a0000006", "parentId": "a0000002", "timestamp": t(6),
         "fromId": "a0000005", "summary": "Tried reading a.txt."},
        {"type": "message", "id": "a0000007", "parentId": "a0000006", "timestamp": t(7),
         "message": {"role": "user", "content": [{"type": "text", "text": "try b"}]}},
        {"type": "custom_message", "id": "a0000008", "parentId": "a0000007", "timestamp": t(8),
         "customType": "note", "content": "injected", "display": False},
        {"type": "session_info", "id": "a0000009", "parentId": "a0000008", "timestamp": t(9), "name": "My session"},
    ]


class TestPi:
    def test_v1_excerpt_is_a_chain_of_line_ids_ending_at_the_last_entry(self):
        conv = only(pi, PI_EXCERPT)
        assert (conv.format, conv.source_id) == ("pi", "ffae836b-9420-4060-ac13-7745215f90ff")
        assert [n.source_id for n in conv.nodes] == [f"line-{n}" for n in range(2, 36)]
        assert is_chain(conv)
        assert conv.current == "line-35"
        assert any("v1 session" in note for note in conv.notes)
        assert conv.metadata["parent_session"].endswith("_d97339c6-6c10-4827-846b-9ff1d9c3dc37.jsonl")
        assert conv.metadata["header"]["type"] == "session"
        assert conv.created_at == pytest.approx(1765241609.825)  # header time: later than the entries
        assert conv.nodes[0].created_at == pytest.approx(1765233665.306)
        assert conv.title is None

    def test_roles_and_hidden_flags_follow_the_entry_types(self):
        conv = only(pi, PI_EXCERPT)
        lines = PI_EXCERPT.read_bytes().splitlines()
        assert all(n.item == orjson.loads(lines[int(n.source_id[5:]) - 1]) for n in conv.nodes)
        hidden = [n.source_id for n in conv.nodes if n.hidden]
        assert hidden == [f"line-{n}" for n in (4, 5, 6, 7, 23, 24, 25, 26, 27, 35)]
        assert {node(conv, s).role for s in hidden} == {"other"}
        assert node(conv, "line-7").content == "thinking_level_change: high"
        assert node(conv, "line-27").content == "model_change: anthropic/claude-opus-4-5"
        assert node(conv, "line-15").role == "tool"

    def test_compaction_text_is_its_summary(self):
        compaction = node(only(pi, PI_EXCERPT), "line-10")
        assert (compaction.role, compaction.hidden) == ("other", False)
        assert compaction.content == compaction.item["summary"]
        assert compaction.content.startswith("# Context Checkpoint: Coding Agent Refactoring")

    def test_bash_execution_is_a_user_entry_with_command_and_output(self):
        bash = node(only(pi, PI_EXCERPT), "line-18")
        assert bash.role == "user"
        assert bash.content.startswith("$ ls\nAGENTS.md\nbiome.json\n")

    def test_assistant_text_shows_tool_calls_and_errors_but_not_thinking(self):
        conv = only(pi, PI_EXCERPT)
        assert node(conv, "line-3").content == (
            '[tool call read] {"path":"/Users/badlogic/workspaces/pi-mono/packages/coding-agent/src/main.ts"}'
            "\n\n"
            '[tool call read] {"path":"/Users/badlogic/workspaces/pi-mono/packages/coding-agent/src/tui/tui-renderer.ts"}'
        )
        assert node(conv, "line-12").content == "[error] Request was aborted."
        reply = node(conv, "line-34")
        assert reply.content == "👍"
        assert any(b.get("type") == "thinking" for b in reply.item["message"]["content"])

    def test_v3_entries_use_id_and_parent_id(self, tmp_path):
        conv = only(pi, write_lines(tmp_path, "v3.jsonl", pi_v3_lines()))
        assert parents(conv) == {
            "a0000001": None, "a0000002": "a0000001", "a0000003": "a0000002", "a0000004": "a0000003",
            "a0000005": "a0000004", "a0000006": "a0000002", "a0000007": "a0000006",
            "a0000008": "a0000007", "a0000009": "a0000008",
        }
        assert [n.source_id for n in conv.nodes if n.parent == "a0000002"] == ["a0000003", "a0000006"]
        assert conv.current == "a0000009"
        assert conv.title == "My session"
        assert conv.metadata["parent_session"] == "/sessions/earlier.jsonl"
        assert conv.notes == []
        flags = {n.source_id: (n.role, n.hidden) for n in conv.nodes}
        assert flags == {
            "a0000001": ("other", True), "a0000002": ("user", False), "a0000003": ("assistant", False),
            "a0000004": ("tool", False), "a0000005": ("other", True), "a0000006": ("other", False),
            "a0000007": ("user", False), "a0000008": ("other", True), "a0000009": ("other", True),
        }
        assert node(conv, "a0000003").content == 'Hi\n\n[tool call read] {"path":"a.txt"}'
        assert node(conv, "a0000006").content == "Tried reading a.txt."
        assert node(conv, "a0000005").content == "label: checkpoint (on a0000003)"

    def test_bad_lines_are_skipped_with_their_line_number_and_the_chain_goes_on(self, tmp_path):
        path = write_lines(tmp_path, "bad.jsonl", [
            {"type": "session", "id": "s1", "timestamp": "2025-11-20T23:33:50.805Z", "cwd": "/w"},
            {"type": "message", "timestamp": "2025-11-20T23:33:51Z", "message": {"role": "user", "content": "one"}},
            '{"type": "message", broken',
            "[1, 2]",
            "",
            {"type": "message", "timestamp": "2025-11-20T23:33:52Z",
             "message": {"role": "assistant", "content": [{"type": "text", "text": "two"}]}},
        ])
        conv = only(pi, path)
        assert parents(conv) == {"line-2": None, "line-6": "line-2"}
        assert conv.current == "line-6"
        assert conv.notes[0].startswith("line 3: not valid JSON (") and "column" in conv.notes[0]
        assert conv.notes[1] == "line 4: not a JSON object; skipped"

    @pytest.mark.parametrize("first, where", [
        ('{"type": "session", "id": ', "line 1, column "),
        ('{"type": "message", "message": {"role": "user", "content": "x"}}', "line 1"),
    ], ids=["malformed-header", "no-header"])
    def test_a_file_without_a_good_header_is_skipped(self, tmp_path, first, where):
        (skipped,) = read(pi, write_lines(tmp_path, "h.jsonl", [first, {"type": "message"}]))
        assert isinstance(skipped, Skipped) and skipped.where.startswith(where)


@pytest.mark.skipif(not (SHARED / "pi-coding-agent").is_dir(), reason="the shared corpus is not beside the repo")
@pytest.mark.parametrize("name, entries, hidden", [
    ("pi-mono__large-session.jsonl", 1018, 104),
    ("pi-mono__before-compaction.jsonl", 1002, 10),
])
def test_whole_genuine_pi_sessions_from_the_shared_corpus(name, entries, hidden):
    conv = only(pi, SHARED / "pi-coding-agent" / name)
    assert len(conv.nodes) == entries and is_chain(conv)
    assert conv.current == f"line-{entries + 1}"
    assert sum(n.hidden for n in conv.nodes) == hidden


# -- Grok (section 8) --


def grok_with_a_branch():
    data = load(GROK)
    responses = data["conversations"][0]["responses"]
    extra = copy.deepcopy(responses[-1])
    extra["response"].update(response_id="regenerated", message="Forests, again.",
                             create_time="2025-06-21T19:31:00.000000Z")
    responses.append(extra)
    return data


class TestGrok:
    def test_sample_is_a_chain_with_mixed_case_senders(self):
        conv = only(grok, GROK)
        assert (conv.source_id, conv.title) == (
            "9592deb7-27bc-4359-abb5-0967736999e9", "Photosynthesis Simplified: Process and Importance")
        assert len(conv.nodes) == 10 and is_chain(conv)
        assert [n.role for n in conv.nodes] == ["user", "assistant"] * 5
        assert {n.item["response"]["sender"] for n in conv.nodes} == {"human", "ASSISTANT"}
        assert conv.nodes[0].content == "Can you explain how photosynthesis works in simple terms?"
        assert set(conv.nodes[0].item) == {"response", "share_link"}
        assert conv.current == "2db19cba-fb3f-4768-88b4-6fae2e4adfb6"  # leaf_response_id null: newest leaf
        assert conv.metadata["header"]["leaf_response_id"] is None
        assert conv.updated_at == pytest.approx(1750534201.846938)
        assert not any(n.hidden for n in conv.nodes)

    def test_a_regenerated_reply_is_a_sibling_and_the_newest_leaf_is_live(self, tmp_path):
        conv = only(grok, write_json(tmp_path, "g.json", grok_with_a_branch()))
        assert node(conv, "regenerated").parent == "93b8d3c9-1922-408a-b7c8-2ea09913b273"
        assert conv.current == "regenerated"

    def test_leaf_response_id_wins_over_the_newest_leaf(self, tmp_path):
        data = grok_with_a_branch()
        data["conversations"][0]["conversation"]["leaf_response_id"] = "2db19cba-fb3f-4768-88b4-6fae2e4adfb6"
        conv = only(grok, write_json(tmp_path, "g.json", data))
        assert conv.current == "2db19cba-fb3f-4768-88b4-6fae2e4adfb6" and conv.notes == []

    @pytest.mark.parametrize("pointer, reason", [
        ("nope", "is not a response"), ("93b8d3c9-1922-408a-b7c8-2ea09913b273", "has children")])
    def test_a_bad_leaf_pointer_falls_back_to_the_newest_leaf_with_a_note(self, tmp_path, pointer, reason):
        data = grok_with_a_branch()
        data["conversations"][0]["conversation"]["leaf_response_id"] = pointer
        conv = only(grok, write_json(tmp_path, "g.json", data))
        assert conv.current == "regenerated"
        (note,) = conv.notes
        assert reason in note and pointer in note

    def test_a_broken_conversation_is_skipped_and_the_others_are_read(self, tmp_path):
        data = load(GROK)
        good = data["conversations"][0]
        data["conversations"] = [
            "x", {"conversation": {"title": "no id"}, "responses": []},
            {"conversation": {"conversation_id": "c2"}, "responses": {}}, good]
        out = read(grok, write_json(tmp_path, "g.json", data))
        assert [type(o).__name__ for o in out] == ["Skipped", "Skipped", "Skipped", "Conversation"]
        assert out[2].where == "conversation 3 (id c2)"

    def test_malformed_json_is_reported_with_line_and_column(self, tmp_path):
        path = tmp_path / "bad.json"
        path.write_bytes(b'{"conversations": [\n\n  {"conversation": nul}]}')
        (skipped,) = read(grok, path)
        assert skipped.where.startswith("line 3, column ")


# -- SillyTavern (section 10) --


def tavern_with_swipes(tmp_path, extra_lines=()):
    header, first = TAVERN.read_bytes().splitlines()
    lines = [header.decode(), first.decode(),
             {"name": "You", "is_user": True, "send_date": "May 18, 2023 5:23pm", "mes": "Who are you?"},
             {"name": "Aqua", "is_user": False, "send_date": "May 18, 2023 5:25pm", "mes": "Swipe B",
              "swipe_id": 1, "swipes": ["Swipe A", "Swipe B", "Swipe C"],
              "swipe_info": [{"send_date": "May 18, 2023 5:24pm", "extra": {}},
                             {"send_date": "May 18, 2023 5:25pm", "extra": {}},
                             {"send_date": "2023-5-18@17h26m00s", "extra": {}}]},
             {"name": "You", "is_user": True, "send_date": "2024-05-18T17:27:00.000Z", "mes": "Nice."},
             {"name": "Aqua", "is_user": False, "is_system": True, "send_date": 1716053280000, "mes": "(hidden)"},
             *extra_lines]
    return write_lines(tmp_path, "Aqua - 2023-5-18@17h23m45s.jsonl", lines)


class TestSillyTavern:
    def test_sample_has_one_assistant_message(self):
        conv = only(sillytavern, TAVERN)
        assert conv.source_id == "Aqua/sillytavern__default_chat_Aqua"
        assert conv.title == "sillytavern__default_chat_Aqua"
        assert parents(conv) == {"line-2": None}
        (message,) = conv.nodes
        assert (message.role, message.hidden) == ("assistant", False)
        assert message.content.startswith('*I am in the town square at a city named "Axel".')
        assert message.created_at == pytest.approx(1674563371.558)  # send_date in ms
        assert conv.current == "line-2"
        assert conv.metadata["header"] == {"user_name": "You", "character_name": "Aqua", "create_date": 1674559896839}
        assert conv.created_at == pytest.approx(1674559896.839)

    def test_swipes_become_siblings_and_the_chat_goes_on_under_the_displayed_one(self, tmp_path):
        conv = only(sillytavern, tavern_with_swipes(tmp_path))
        assert conv.source_id == "Aqua/Aqua - 2023-5-18@17h23m45s"
        assert parents(conv) == {
            "line-2": None, "line-3": "line-2",
            "line-4/swipe-0": "line-3", "line-4/swipe-1": "line-3", "line-4/swipe-2": "line-3",
            "line-5": "line-4/swipe-1", "line-6": "line-5",
        }
        assert [n.content for n in conv.nodes[2:5]] == ["Swipe A", "Swipe B", "Swipe C"]
        shown, other = node(conv, "line-4/swipe-1"), node(conv, "line-4/swipe-2")
        assert shown.item["swipes"] == ["Swipe A", "Swipe B", "Swipe C"]  # the whole message, once
        assert other.item == {"swipe_of": "line-4", "swipe": 2, "text": "Swipe C",
                              "swipe_info": {"send_date": "2023-5-18@17h26m00s", "extra": {}}}
        assert node(conv, "line-4/swipe-0").created_at == pytest.approx(1684430640.0)  # 2023-05-18 17:24 UTC
        assert other.created_at == pytest.approx(1684430760.0)
        assert node(conv, "line-5").created_at == pytest.approx(1716053220.0)
        assert [node(conv, s).role for s in ("line-3", "line-4/swipe-0", "line-5")] == ["user", "assistant", "user"]
        hidden = node(conv, "line-6")
        assert (hidden.role, hidden.hidden) == ("assistant", True)  # is_system: left out of the prompt
        assert conv.current == "line-6"

    def test_a_swipe_id_out_of_range_takes_the_swipe_matching_mes(self, tmp_path):
        conv = only(sillytavern, tavern_with_swipes(tmp_path, [
            {"name": "Aqua", "is_user": False, "send_date": 1716053290000, "mes": "Y", "swipe_id": 7,
             "swipes": ["X", "Y"]}]))
        assert conv.current == "line-7/swipe-1"
        assert "swipe_id 7" in conv.notes[0]

    def test_a_bad_line_is_noted_and_the_next_message_hangs_under_the_last_good_one(self, tmp_path):
        conv = only(sillytavern, tavern_with_swipes(tmp_path, [
            '{"name": "You", "mes": ', {"name": "You", "is_user": True, "send_date": 1, "mes": "after"}]))
        assert node(conv, "line-8").parent == "line-6"
        assert conv.notes[0].startswith("line 7: not valid JSON (")

    def test_a_malformed_header_skips_the_file(self, tmp_path):
        (skipped,) = read(sillytavern, write_lines(tmp_path, "c.jsonl", ['{"user_name": "You",', {"mes": "x"}]))
        assert isinstance(skipped, Skipped) and skipped.where.startswith("line 1, column ")

    @pytest.mark.parametrize("value, seconds", [
        (1674563371558, 1674563371.558), ("1674563371558", 1674563371.558),
        ("May 18, 2023 5:23pm", 1684430580.0), ("May 18, 2023 5:23 PM", 1684430580.0),
        ("2023-5-18@17h23m45s", 1684430625.0), ("2024-05-18T17:23:45.123Z", 1716053025.123),
        ("yesterday", None), (None, None), (True, None), (float("nan"), None),
    ])
    def test_send_date_is_parsed_leniently(self, value, seconds):
        got = sillytavern.send_date_seconds(value)
        assert got == (pytest.approx(seconds) if seconds is not None else None)


# -- Google AI Studio (section 9) --


class TestAiStudio:
    def test_sample_is_a_chain_with_the_thought_chunk_hidden(self):
        conv = only(aistudio, STUDIO)
        assert conv.source_id == conv.title == "openwebui-importer__aistudio_example"
        assert parents(conv) == {"chunk-0": None, "chunk-1": "chunk-0", "chunk-2": "chunk-1"}
        assert [(n.role, n.hidden) for n in conv.nodes] == [("user", False), ("assistant", True), ("assistant", False)]
        assert conv.nodes[1].content.startswith("**Verifying the Factorization**")
        assert conv.nodes[2].content.startswith("Yes, you are **absolutely correct!**")
        assert conv.current == "chunk-2"
        header = conv.metadata["header"]
        assert header["runSettings"]["model"] == "models/gemini-3-pro-preview"
        assert header["chunkedPrompt"] == {} and header["pendingInputs"] == [{"text": "", "role": "user"}]

    def test_a_system_instruction_becomes_a_hidden_system_root(self, tmp_path):
        data = load(STUDIO)
        data["systemInstruction"] = {"parts": [{"text": "Be "}, {"text": "brief."}]}
        conv = only(aistudio, write_json(tmp_path, "Bayes prompt", data))
        assert conv.source_id == "Bayes prompt"
        system = conv.nodes[0]
        assert (system.source_id, system.parent, system.role, system.hidden, system.content) == (
            "system-instruction", None, "system", True, "Be brief.")
        assert node(conv, "chunk-0").parent == "system-instruction"

    def test_branch_parent_builds_siblings_in_the_hand_written_fixture(self):
        conv = only(aistudio, STUDIO_BRANCHING)
        assert (conv.source_id, conv.title) == ("gemini-branching-1", "Branching Gemini session")
        assert parents(conv) == {
            "chunk-user-1": None, "chunk-model-edit-1": "chunk-user-1", "chunk-model-edit-2": "chunk-user-1",
            "chunk-empty-1": "chunk-model-edit-2", "chunk-error-1": "chunk-empty-1",
        }
        assert conv.current == "chunk-error-1"
        assert conv.nodes[0].created_at == pytest.approx(1738414802.0)
        assert conv.created_at == pytest.approx(1738414800.0)

    def test_a_file_without_chunks_or_with_bad_json_is_skipped(self, tmp_path):
        (skipped,) = read(aistudio, write_json(tmp_path, "a.json", {"runSettings": {}}))
        assert isinstance(skipped, Skipped) and "chunkedPrompt" in skipped.reason
        bad = tmp_path / "b.json"
        bad.write_bytes(b'{"chunkedPrompt": {"chunks": [\n  {"role": "user",, }]}}')
        (skipped,) = read(aistudio, bad)
        assert skipped.where.startswith("line 2, column ")


# -- Chatbot UI (section 11) --


class TestChatbotUi:
    def test_each_history_item_is_a_chain_under_a_hidden_prompt(self):
        first, second = read(chatbotui, CHATBOTUI)
        assert (first.source_id, first.title) == ("493cb218-9ebb-4d35-af8b-5aded3f351be", "Hello what are you able to do?")
        assert parents(first) == {"prompt": None, "message-0": "prompt", "message-1": "message-0",
                                  "message-2": "message-1", "message-3": "message-2"}
        assert [(n.role, n.hidden) for n in first.nodes] == [
            ("system", True), ("user", False), ("assistant", False), ("user", False), ("assistant", False)]
        assert first.nodes[0].content.startswith("You are ChatGPT, a large language model trained by OpenAI.")
        assert first.nodes[1].content == "Hello what are you able to do?"
        assert first.current == "message-3" and second.current == "message-1"
        assert all(n.created_at is None for n in first.nodes)
        assert first.metadata["export_version"] == 4
        assert first.metadata["header"]["model"]["id"] == "gpt-4-1106-preview"
        assert "messages" not in first.metadata["header"]

    def test_a_broken_item_is_skipped_and_the_others_are_read(self, tmp_path):
        data = load(CHATBOTUI)
        data["history"].insert(1, {"name": "no id", "messages": []})
        data["history"].insert(0, {"id": "x", "messages": "nope"})
        out = read(chatbotui, write_json(tmp_path, "c.json", data))
        assert [type(o).__name__ for o in out] == ["Skipped", "Conversation", "Skipped", "Conversation"]
        assert out[0].where == "conversation 1 (id x)"


# -- into a real store (threadtree.formats.import_file) --


def by_source(store, thread_id):
    return {e.source_id: e for e in store.entries(thread_id)}


@pytest.mark.parametrize("sample, name, threads", [
    (CLAUDE_EXAMPLE, "claude-ai", 85), (CLAUDE_YALEMAN, "claude-ai", 1), (PI_EXCERPT, "pi", 1),
    (GROK, "grok", 1), (TAVERN, "sillytavern", 1), (STUDIO, "aistudio", 1),
    (STUDIO_BRANCHING, "aistudio", 1), (CHATBOTUI, "chatbotui", 2),
], ids=lambda v: v.name if isinstance(v, pathlib.Path) else None)
def test_detected_imported_and_importing_again_changes_nothing(store, sample, name, threads):
    report = import_file(store, sample)
    assert report.format == name
    assert len(report.imported) == threads and not report.skipped
    again = import_file(store, sample)
    assert len(again.unchanged) == threads and again.added == 0
    assert store.check() == []


def test_claude_export_in_the_store(store):
    import_file(store, CLAUDE_EXAMPLE)
    threads = {t.source_id: t for t in store.list_threads(limit=None)}
    assert len(threads) == 85 and {t.source_format for t in threads.values()} == {"claude-ai"}
    empty = threads["4ce3fd2a-8e49-4285-bee8-aea7d3a09dc4"]
    assert store.entries(empty.id) == [] and empty.current_leaf_id is None
    last = threads["76a904ac-7838-4a01-9e91-020411c40566"]
    path = store.path(last.id)
    assert [e.role for e in path] == ["user", "assistant"] * 5
    assert path[-1].id == last.current_leaf_id
    assert path[0].content == "Can you explain how photosynthesis works in simple terms?"


def test_pi_excerpt_in_the_store(store):
    (outcome,) = import_file(store, PI_EXCERPT).imported
    thread = store.get_thread(outcome.thread_id)
    assert (thread.source_format, thread.source_id) == ("pi", "ffae836b-9420-4060-ac13-7745215f90ff")
    path = store.path(thread.id)
    assert [e.source_id for e in path] == [f"line-{n}" for n in range(2, 36)]
    assert sum(e.hidden for e in path) == 10
    assert thread.current_leaf_id == store.find_entry(thread.id, "line-35").id
    assert thread.metadata["source"]["parent_session"].endswith(".jsonl")


def test_pi_v3_branches_in_the_store(store, tmp_path):
    (outcome,) = import_file(store, write_lines(tmp_path, "v3.jsonl", pi_v3_lines())).imported
    entries = by_source(store, outcome.thread_id)
    fork = entries["a0000002"]
    assert [c.source_id for c in store.children(fork.id)] == ["a0000003", "a0000006"]
    assert store.get_thread(outcome.thread_id).title == "My session"
    assert [e.source_id for e in store.path(outcome.thread_id)][-1] == "a0000009"


def test_grok_leaf_pointer_in_the_store(store, tmp_path):
    data = grok_with_a_branch()
    data["conversations"][0]["conversation"]["leaf_response_id"] = "2db19cba-fb3f-4768-88b4-6fae2e4adfb6"
    (outcome,) = import_file(store, write_json(tmp_path, "g.json", data)).imported
    assert store.path(outcome.thread_id)[-1].source_id == "2db19cba-fb3f-4768-88b4-6fae2e4adfb6"
    assert len(store.leaves(outcome.thread_id)) == 2


def test_sillytavern_swipes_in_the_store(store, tmp_path):
    path = tavern_with_swipes(tmp_path)
    (outcome,) = import_file(store, path).imported
    assert [e.source_id for e in store.path(outcome.thread_id)] == [
        "line-2", "line-3", "line-4/swipe-1", "line-5", "line-6"]
    parent = store.find_entry(outcome.thread_id, "line-3")
    assert [c.content for c in store.children(parent.id)] == ["Swipe A", "Swipe B", "Swipe C"]
    assert store.find_entry(outcome.thread_id, "line-6").hidden
    assert import_file(store, path).unchanged


def test_aistudio_branches_in_the_store(store):
    (outcome,) = import_file(store, STUDIO_BRANCHING).imported
    root = store.find_entry(outcome.thread_id, "chunk-user-1")
    assert [c.source_id for c in store.children(root.id)] == ["chunk-model-edit-1", "chunk-model-edit-2"]
    assert store.path(outcome.thread_id)[-1].source_id == "chunk-error-1"
