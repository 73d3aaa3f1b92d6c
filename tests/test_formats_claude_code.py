"""The Claude Code transcript reader (threadtree.formats.claude_code), on the samples in
tests/data/claude-code (docs/formats.md section 3) and on small files written here for the cases
the samples do not show (malformed JSON, titles, an image block, foreign JSONL headers).

The subagent sample is stored in Claude Code's real layout under tests/data/claude-code:
``ef958aa1-....jsonl`` is the corpus file ``ccl__modern_2_1_114__ef958aa1.jsonl`` and
``ef958aa1-.../subagents/agent-a4ca7529859c158c2.{jsonl,meta.json}`` are
``ccl__modern_2_1_114__ef958aa1__subagents__agent-a4ca7529859c158c2.{jsonl,meta.json}``,
renamed (see tests/data/claude-code/README.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

import threadtree.formats
from threadtree.formats import claude_code
from threadtree.formats._model import Conversation, Skipped

DATA = Path(__file__).parent / "data" / "claude-code"
SYNTHETIC = DATA / "synthetic-fixtures"
REWIND = DATA / "ccl__real_rewind_fork__03eb5929.jsonl"
CLEAR = DATA / "ccl__clear_and_bash_mode__71c9afe9.jsonl"
SUMMARIES = DATA / "ccl__summaries_pointing_to_other_sessions__3680252d.jsonl"
SESSION = "ef958aa1-0e93-49f0-bb71-150f63befcd1"
MODERN = DATA / f"{SESSION}.jsonl"
AGENT_ID = "a4ca7529859c158c2"
AGENT = DATA / SESSION / "subagents" / f"agent-{AGENT_ID}.jsonl"
AGENT_KEY = f"{SESSION}/agent-{AGENT_ID}"
EDGE = SYNTHETIC / "ccl__edge_cases.jsonl"
POLYLOGUE = SYNTHETIC / "polylogue__claude-normalization-main.jsonl"
DAG_FORK = SYNTHETIC / "ccl__dag_fork.jsonl"
DAG_RESUME = SYNTHETIC / "ccl__dag_resume.jsonl"
SAMPLES = [REWIND, CLEAR, SUMMARIES, MODERN, AGENT, EDGE, POLYLOGUE, DAG_FORK, DAG_RESUME]

# 03eb5929: the stop-hook line both branches of the rewind hang from, the two user prompts,
# and the last line of the file (on the later branch).
FORK = "eb84e3ee-fc54-4fe4-ad76-badc5ebb4671"
EARLIER = "5270777a-1975-4e8a-9cad-b36280ae0ec5"
LATER = "9edc38e6-0ac0-42c0-b911-e24611af2a5b"
REWIND_LEAF = "d107d4c0-ae71-4d3d-af3a-cf7a370bd21f"


def read(path: Path) -> list[Conversation | Skipped]:
    return list(claude_code.read(path))


def conversations(path: Path) -> list[Conversation]:
    return [c for c in read(path) if isinstance(c, Conversation)]


def only(path: Path) -> Conversation:
    (conversation,) = conversations(path)
    return conversation


def by_id(conversation: Conversation) -> dict:
    return {n.source_id: n for n in conversation.nodes}


def full_id(conversation: Conversation, prefix: str) -> str:
    (match,) = [n.source_id for n in conversation.nodes if n.source_id.startswith(prefix)]
    return match


def children(conversation: Conversation, parent: str) -> list[str]:
    return [n.source_id for n in conversation.nodes if n.parent == parent]


def ancestors(conversation: Conversation, node_id: str) -> list[str]:
    nodes = by_id(conversation)
    chain = []
    while node_id is not None:
        chain.append(node_id)
        node_id = nodes[node_id].parent
    return chain


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def snapshots(path: Path) -> list[dict]:
    """The file-history-snapshot lines of a transcript, as the reader keeps them (without type)."""
    found = [orjson.loads(raw) for raw in lines(path) if b'"file-history-snapshot"' in raw]
    return [{k: v for k, v in obj.items() if k != "type"} for obj in found if obj.get("type") == "file-history-snapshot"]


def line(**fields) -> bytes:
    base = {"parentUuid": None, "isSidechain": False, "sessionId": "s", "timestamp": "2025-07-01T10:00:00.000Z"}
    return orjson.dumps(base | fields) + b"\n"


def user(uuid, text, parent=None, **fields) -> bytes:
    return line(type="user", uuid=uuid, parentUuid=parent, message={"role": "user", "content": text}, **fields)


def assistant(uuid, blocks, parent, **fields) -> bytes:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": blocks}
    return line(type="assistant", uuid=uuid, parentUuid=parent, message=message, **fields)


def write(tmp_path: Path, *parts: bytes, name: str = "s.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(parts))
    return path


class TestSniff:
    @pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
    def test_every_sample_is_recognised(self, path):
        assert claude_code.sniff(path.read_bytes()[: 1 << 20], path)

    def test_a_head_cut_in_the_middle_of_a_line_is_still_recognised(self):
        assert claude_code.sniff(MODERN.read_bytes()[:5000], MODERN)

    @pytest.mark.parametrize(
        "head",
        [
            pytest.param(
                b'{"type":"session","version":3,"id":"abc","timestamp":"2025-01-01T00:00:00Z","cwd":"/x"}\n'
                b'{"type":"message","id":"1a2b3c4d","parentId":null,"timestamp":"2025-01-01T00:00:01Z",'
                b'"message":{"role":"user","content":"hi"}}\n',
                id="pi-session",
            ),
            pytest.param(
                b'{"user_name":"You","character_name":"Bot","create_date":"2024-01-01","chat_metadata":{}}\n'
                b'{"name":"You","is_user":true,"send_date":1700000000000,"mes":"hi"}\n',
                id="sillytavern",
            ),
            pytest.param(
                b'{"type":"user","sessionId":"s","uuid":"u","user_name":"a","character_name":"b"}\n',
                id="sillytavern-keys-win",
            ),
            pytest.param(b'[{"title":"chat","mapping":{}}]', id="json-array"),
            pytest.param(b'{"type":"user","content":"no uuid, no session"}\n', id="no-claude-keys"),
            pytest.param(b'{"role":"user","content":"hi"}\n{"type":"user","uuid":"u","sessionId":"s"}\n', id="first-not-claude"),
            pytest.param(b"", id="empty"),
        ],
    )
    def test_other_files_are_refused(self, head, tmp_path):
        assert not claude_code.sniff(head, tmp_path / "x.jsonl")

    def test_a_summary_only_head_is_recognised(self):
        head = b"".join(lines(SUMMARIES)[:3])
        assert claude_code.sniff(head, SUMMARIES)


class TestRewindFork:
    """03eb5929: a real Esc-Esc rewind, split assistant messages, progress and hook lines."""

    def test_the_fork_node_has_both_user_prompts_as_children_in_file_order(self):
        conversation = only(REWIND)
        assert children(conversation, FORK) == [EARLIER, LATER]
        nodes = by_id(conversation)
        assert nodes[EARLIER].role == nodes[LATER].role == "user"
        assert nodes[LATER].created_at - nodes[EARLIER].created_at == pytest.approx(35 * 60 + 0.279)

    def test_the_live_leaf_is_the_end_of_the_later_branch(self):
        conversation = only(REWIND)
        assert conversation.current == REWIND_LEAF
        chain = ancestors(conversation, REWIND_LEAF)
        assert LATER in chain and EARLIER not in chain
        assert chain[-1] == full_id(conversation, "a2c5ddf6")  # the session-start hook progress
        assert conversation.source_id == "03eb5929-52b3-4b13-ada3-b93ae35806b8"

    def test_every_uuid_line_is_a_node_and_every_snapshot_is_kept_whole(self):
        conversation = only(REWIND)
        assert len(conversation.nodes) == 52  # 61 lines less 9 file-history-snapshots
        kept = conversation.metadata["file_history_snapshots"]
        assert len(kept) == 9 and kept == snapshots(REWIND)
        assert kept[0]["snapshot"]["messageId"] == kept[0]["messageId"] and "trackedFileBackups" in kept[0]["snapshot"]
        assert [n.source_id for n in conversation.nodes if n.parent is None] == [full_id(conversation, "a2c5ddf6")]

    def test_an_assistant_reply_stays_split_one_line_per_block_chained_by_parent(self):
        conversation = only(REWIND)
        split = [n for n in conversation.nodes if n.item.get("message", {}).get("id") == "msg_01UHi2Lt3JY6hKT2YohPo25U"]
        assert [n.source_id[:8] for n in split] == ["b5c90882", "788d2450", "f2ad6242", "bba9b15d"]
        assert [n.parent for n in split[1:]] == [n.source_id for n in split[:-1]]
        blank, thinking, text, tool = split
        assert (blank.role, blank.content, blank.hidden) == ("assistant", "\n\n", True)
        assert thinking.hidden and thinking.content.startswith("The user is talking about the current directory")
        assert (text.content, text.hidden) == ("Let me take a look at what's here.", False)
        assert tool.content.startswith('Bash({"command":') and not tool.hidden

    def test_roles_and_hidden_flags_follow_the_line_types(self):
        nodes = {k[:8]: n for k, n in by_id(only(REWIND)).items()}
        assert (nodes["ddaea810"].role, nodes["ddaea810"].hidden) == ("tool", False)
        assert nodes["ddaea810"].content.startswith("total ")
        assert (nodes["9bad499b"].role, nodes["9bad499b"].hidden, nodes["9bad499b"].content) == (
            "other", True, "[progress hook_progress]",
        )
        assert (nodes[FORK[:8]].role, nodes[FORK[:8]].hidden) == ("system", True)
        assert (nodes["d008e68d"].role, nodes["d008e68d"].hidden) == ("user", True)  # isMeta caveat
        assert (nodes["cba5bd18"].role, nodes["cba5bd18"].hidden) == ("user", False)  # /exit

    def test_the_item_is_the_whole_line_and_the_time_its_timestamp(self):
        conversation = only(REWIND)
        third = orjson.loads(lines(REWIND)[2])
        node = by_id(conversation)[third["uuid"]]
        assert node.item == third
        assert node.created_at == pytest.approx(1771267670.590)  # 2026-02-16T18:47:50.590Z
        assert conversation.created_at == pytest.approx(1771267615.028)
        assert conversation.title.startswith("Ok, so there's isn't much to see here")
        assert len(conversation.title) <= 80


class TestArtifactForks:
    def test_clear_and_bash_mode_lines_keep_their_shared_caveat_parent(self):
        conversation = only(CLEAR)
        caveat = full_id(conversation, "cc67b20e")
        assert [c[:8] for c in children(conversation, caveat)] == ["e042a3e0", "972dc1ad"]
        assert conversation.current == full_id(conversation, "c97a4bd2")
        nodes = by_id(conversation)
        assert nodes[caveat].hidden
        system = nodes[full_id(conversation, "77a1e162")]
        assert (system.role, system.hidden) == ("system", True)
        assert system.content == system.item["content"]

    def test_parallel_tool_use_gives_a_tool_use_line_two_children(self):
        main = conversations(MODERN)[0]
        parent = full_id(main, "c5f518ae")
        assert [c[:8] for c in children(main, parent)] == ["6b60bae9", "f23b1809"]
        nodes = by_id(main)
        assert [nodes[c].role for c in children(main, parent)] == ["assistant", "tool"]


class TestSummaries:
    def test_summaries_of_other_sessions_are_kept_and_do_not_title_the_thread(self):
        conversation = only(SUMMARIES)
        assert [s["leafUuid"][:8] for s in conversation.metadata["summaries"]] == ["f29ff328", "f7840a1e", "091f917c"]
        assert conversation.metadata["summaries"][0]["summary"] == "CSS Details Margin Styling"
        assert len(conversation.nodes) == 3
        assert conversation.title == "/model"  # the slash command, as no prompt was typed

    def test_a_summary_whose_leaf_is_in_the_session_titles_it(self):
        (_, _, _, _, edge, _) = read(EDGE)
        assert edge.title.startswith("Tested various edge cases")

    def test_custom_title_beats_ai_title_beats_summary_and_the_last_one_wins(self, tmp_path):
        path = write(
            tmp_path,
            orjson.dumps({"type": "summary", "summary": "From summary", "leafUuid": "u1"}) + b"\n",
            user("u1", "First prompt"),
            orjson.dumps({"type": "ai-title", "aiTitle": "AI one", "sessionId": "s"}) + b"\n",
            orjson.dumps({"type": "ai-title", "aiTitle": "AI two", "sessionId": "s"}) + b"\n",
        )
        assert only(path).title == "AI two"
        with path.open("ab") as f:
            f.write(orjson.dumps({"type": "custom-title", "customTitle": "Mine", "sessionId": "s"}) + b"\n")
        conversation = only(path)
        assert conversation.title == "Mine"
        assert conversation.metadata["state"]["ai-title"] == {"aiTitle": "AI two"}
        assert conversation.metadata["state_counts"] == {"ai-title": 2, "custom-title": 1}

    def test_a_long_first_prompt_is_cut_to_one_short_line(self, tmp_path):
        path = write(tmp_path, user("u1", "<command-name>/clear</command-name>"), user("u2", "x" * 200 + "\nsecond line", "u1"))
        title = only(path).title
        assert len(title) == 80 and title.endswith("…") and "\n" not in title

    def test_a_file_of_summaries_only_is_skipped_whole(self, tmp_path):
        path = write(tmp_path, *lines(SUMMARIES)[:3])
        (skipped,) = read(path)
        assert isinstance(skipped, Skipped) and "no message lines" in skipped.reason


class TestSubagents:
    def test_a_main_file_also_yields_its_subagent_file_linked_both_ways(self):
        main, agent = read(MODERN)
        assert (main.source_id, agent.source_id) == (SESSION, AGENT_KEY)
        listed = {a["agent_id"]: a for a in main.metadata["subagents"]}
        assert len(listed) == 6  # six Agent calls; only one transcript is in the sample
        assert listed[AGENT_ID] == {
            "agent_id": AGENT_ID, "source_id": AGENT_KEY, "spawned_by": "7b8e89fe-c480-41ca-a470-c3e9298f9c40",
        }
        assert listed["ab1e6e141221a29ab"]["source_id"] is None
        spawner = by_id(main)[listed[AGENT_ID]["spawned_by"]]
        assert spawner.role == "tool" and spawner.item["toolUseResult"]["agentId"] == AGENT_ID
        assert agent.metadata["parent_session"] == SESSION
        assert agent.metadata["spawned_by"] == spawner.source_id
        assert agent.metadata["agent_meta"] == orjson.loads(AGENT.with_name(f"agent-{AGENT_ID}.meta.json").read_bytes())
        assert agent.metadata["header"]["file"] == f"agent-{AGENT_ID}.jsonl"

    def test_the_subagent_conversation_has_its_own_tree_and_live_leaf(self):
        agent = read(MODERN)[1]
        assert len(agent.nodes) == 56
        assert agent.title == "Research Claude Code plan mode"  # the .meta.json description
        assert [n.source_id[:8] for n in agent.nodes if n.parent is None] == ["1794ff5d"]
        assert agent.current == full_id(agent, "ca87be74")
        assert all(n.item["isSidechain"] is True for n in agent.nodes)

    def test_a_subagent_file_read_alone_finds_its_spawner_in_the_main_file(self):
        alone = only(AGENT)
        via_main = read(MODERN)[1]
        assert alone.source_id == AGENT_KEY
        assert alone.metadata["spawned_by"] == via_main.metadata["spawned_by"]
        assert alone.metadata["agent_meta"]["agentType"] == "general-purpose"
        assert [n.source_id for n in alone.nodes] == [n.source_id for n in via_main.nodes]

    def test_without_the_subagents_folder_the_agents_are_listed_unread(self, tmp_path):
        copy = tmp_path / MODERN.name
        shutil.copyfile(MODERN, copy)
        (main,) = read(copy)
        assert {a["source_id"] for a in main.metadata["subagents"]} == {None}
        assert len(main.metadata["subagents"]) == 6

    def test_a_1_0_agent_file_beside_the_session_is_read_with_it_and_linked_both_ways(self, tmp_path):
        """Claude Code 1.0.x kept subagent transcripts as agent-<id>.jsonl beside the sessions;
        their lines carry the parent's sessionId, which is how they are told apart."""
        task = [{"type": "tool_use", "id": "t1", "name": "Task", "input": {"prompt": "look"}}]
        result = [{"type": "tool_result", "tool_use_id": "t1", "content": "found it"}]
        main_file = write(
            tmp_path, user("u1", "go"), assistant("a1", task, "u1"),
            user("r1", result, "a1", toolUseResult={"agentId": "abc12345", "status": "completed"}),
        )
        side = {"isSidechain": True, "agentId": "abc12345"}
        agent_file = write(tmp_path, user("x1", "look", **side), assistant("x2", [{"type": "text", "text": "ok"}], "x1", **side),
                           name="agent-abc12345.jsonl")
        write(tmp_path, user("y1", "elsewhere", sessionId="other", isSidechain=True, agentId="zz"), name="agent-zz.jsonl")
        main, agent = read(main_file)
        assert (main.source_id, agent.source_id) == ("s", "s/agent-abc12345")
        assert main.metadata["subagents"] == [{"agent_id": "abc12345", "source_id": "s/agent-abc12345", "spawned_by": "r1"}]
        assert (agent.metadata["parent_session"], agent.metadata["spawned_by"]) == ("s", "r1")
        assert [n.source_id for n in agent.nodes] == ["x1", "x2"]
        alone = only(agent_file)
        assert (alone.source_id, alone.metadata["spawned_by"]) == (agent.source_id, "r1")
        assert [n.source_id for n in alone.nodes] == ["x1", "x2"]

    def test_the_main_session_metadata_keeps_session_state(self):
        main = read(MODERN)[0]
        assert main.metadata["state_counts"] == {"permission-mode": 8, "last-prompt": 7}
        assert main.metadata["state"]["permission-mode"] == {"permissionMode": "acceptEdits"}
        assert main.metadata["state"]["last-prompt"]["lastPrompt"].startswith("Well, the subagents seem")
        assert main.metadata["file_history_snapshots"] == snapshots(MODERN) and len(snapshots(MODERN)) == 3
        assert main.metadata["header"]["version"] == "2.1.114"

    def test_the_hook_attachment_starts_the_session_as_its_only_root(self):
        main = read(MODERN)[0]
        (root,) = [n for n in main.nodes if n.parent is None]
        assert root.source_id.startswith("1a39b566")
        assert (root.role, root.hidden) == ("other", True)
        assert main.current == full_id(main, "8ce37950")
        assert len(main.nodes) == 162  # 180 lines less 18 without a uuid

    def test_sidechain_lines_in_a_main_file_form_their_own_conversation(self):
        main, _, side = read(POLYLOGUE)
        assert side.source_id == "claude-normalization-main/sidechain"
        (node,) = side.nodes
        assert (node.source_id, node.parent, node.content) == ("line-13", None, "Normalization complete.")
        assert side.metadata["parent_session"] == main.source_id
        assert side.metadata["continues"] == [
            {"uuid": "line-13", "parentUuid": "main-fg-result", "session": main.source_id},
        ]
        assert side.notes == ["line 13: assistant line without a uuid; kept as node 'line-13'"]
        assert side.current is None  # no uuid-bearing line: the engine picks the newest leaf
        assert main.metadata["subagents"] == [{"agent_id": None, "source_id": side.source_id}]
        assert main.notes == [
            "node main-u1: line 6 repeats this uuid; the first (line 1) is kept",
            "line 8: user line without a uuid; kept as node 'line-8'",
        ]


class TestRobustness:
    def test_bad_lines_are_reported_and_the_rest_imported(self):
        result = read(EDGE)
        skipped = [r for r in result if isinstance(r, Skipped)]
        assert [(s.where, s.reason) for s in skipped] == [
            ("line 13", "a JSON string, not an object"),
            ("line 14", "an object without a 'type'"),
            ("line 15", "a JSON number, not an object"),
            ("line 16", "a JSON array, not an object"),
        ]
        edge, other = [r for r in result if isinstance(r, Conversation)]
        assert [n.source_id for n in edge.nodes] == [f"edge_{i:03}" for i in range(1, 12)]
        assert all(n.parent is None for n in edge.nodes)  # parentUuid null everywhere
        assert edge.current == "edge_010"  # line 18, the last user line, repeats edge_010
        assert (other.source_id, [n.source_id for n in other.nodes]) == ("todowrite_session", ["assistant_004"])

    def test_a_duplicated_uuid_keeps_the_first_line(self):
        edge = conversations(EDGE)[0]
        first = by_id(edge)["edge_011"]
        assert first.item["message"] == "error" and "timesstamp" in first.item
        assert first.created_at is None and first.content == "error"
        assert edge.notes == [
            "node edge_011: line 12 repeats this uuid; the first (line 11) is kept",
            "node edge_010: line 18 repeats this uuid; the first (line 10) is kept",
        ]
        main = conversations(POLYLOGUE)[0]
        assert by_id(main)["main-u1"].content == "Review the parser."

    def test_a_malformed_line_is_reported_with_line_and_column_and_reading_goes_on(self, tmp_path):
        good = lines(DAG_RESUME)
        path = write(tmp_path, *good[:2], b'{"type": "user", "uuid": oops}\n', *good[2:])
        result = read(path)
        assert isinstance(result[0], Skipped)
        assert result[0].where == "line 3, column 26"
        assert "not valid JSON" in result[0].reason
        s1, s2 = result[1:]
        assert [n.source_id for n in s1.nodes] == ["a", "b", "c", "d", "e"]
        assert [n.source_id for n in s2.nodes] == ["f", "g", "h"]

    def test_a_cut_last_line_is_reported_and_the_session_kept(self, tmp_path):
        data = REWIND.read_bytes()
        path = write(tmp_path, data[: len(data) - 100])
        result = read(path)
        assert isinstance(result[0], Skipped) and result[0].where.startswith("line 61, column ")
        assert len(result[1].nodes) == 51
        assert result[1].current == full_id(result[1], "cba5bd18")

    def test_two_sessions_in_one_file_are_two_conversations_in_order(self):
        main, other, _ = read(POLYLOGUE)
        assert (main.source_id, other.source_id) == ("claude-normalization-main", "claude-normalization-other")
        assert [n.source_id for n in other.nodes] == ["other-u1", "other-a1"]
        assert by_id(other)["other-a1"].content == "Other reply."  # content as a plain string
        assert other.current == "other-a1"

    def test_the_live_leaf_skips_sidechain_and_uuid_less_lines(self):
        main = conversations(POLYLOGUE)[0]
        assert main.current == "main-fg-result"
        nodes = by_id(main)
        assert nodes["line-8"].parent == "main-context"
        assert nodes["line-8"].content == "[Request interrupted by user]"
        assert nodes["main-context"].hidden
        assert nodes["main-bg-start"].role == "tool"

    def test_a_queue_operation_is_metadata_even_with_a_uuid(self):
        main = conversations(POLYLOGUE)[0]
        assert "main-bg-notification" not in by_id(main)
        (queued,) = main.metadata["queue_operations"]
        assert queued["uuid"] == "main-bg-notification"
        assert queued["content"].startswith("<task-notification>")

    def test_a_parent_in_another_session_of_the_file_becomes_a_noted_root(self):
        s1, s2, s3 = read(DAG_FORK)
        assert [c.source_id for c in (s1, s2, s3)] == ["s1", "s2", "s3"]
        assert by_id(s2)["f"].parent is None and by_id(s3)["i"].parent is None
        assert s2.metadata["continues"] == [{"uuid": "f", "parentUuid": "e", "session": "s1"}]
        assert s3.notes == ["node i: parent c is in session s1; made a root"]
        assert by_id(s2)["f"].item["parentUuid"] == "e"  # the item keeps the source's link
        assert s1.notes == []

    def test_a_parent_missing_from_the_file_is_left_for_the_engine(self, tmp_path):
        path = write(tmp_path, user("u2", "resumed", "gone-uuid"), assistant("a1", [{"type": "text", "text": "ok"}], "u2"))
        conversation = only(path)
        assert by_id(conversation)["u2"].parent == "gone-uuid"
        assert conversation.notes == []

    def test_blocks_render_as_text(self, tmp_path):
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
        result = {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "file body"}]}
        path = write(
            tmp_path,
            user("u1", [image, {"type": "text", "text": "what is this?"}]),
            assistant("a1", [{"type": "tool_use", "id": "t1", "name": "Read", "input": {"file_path": "/x"}}], "u1"),
            user("u2", [result], "a1"),
            line(type="system", uuid="s1", parentUuid="u2", subtype="compact_boundary"),
            line(type="attachment", uuid="t", parentUuid="s1", attachment={"type": "skill_listing"}),
        )
        nodes = by_id(only(path))
        assert nodes["u1"].content == "[image image/png]\n\nwhat is this?"
        assert nodes["a1"].content == 'Read({"file_path":"/x"})'
        assert (nodes["u2"].role, nodes["u2"].content) == ("tool", "file body")
        assert (nodes["s1"].role, nodes["s1"].content) == ("system", "[compact_boundary]")
        assert (nodes["t"].role, nodes["t"].content, nodes["t"].hidden) == ("other", "[attachment skill_listing]", True)
        assert only(path).title == "what is this?"

    def test_a_compact_boundary_starts_a_second_root_in_the_same_session(self, tmp_path):
        # No sample has one; the shape is docs/formats.md 3.3 (parentUuid null, logicalParentUuid).
        path = write(
            tmp_path,
            user("u1", "before"),
            assistant("a1", [{"type": "text", "text": "old answer"}], "u1"),
            line(type="system", uuid="cb", subtype="compact_boundary", content="Conversation compacted",
                 logicalParentUuid="a1", compactMetadata={"trigger": "manual", "preTokens": 1000}),
            user("u2", "This session is being continued...", "cb", isCompactSummary=True),
            assistant("a2", [{"type": "text", "text": "new answer"}], "u2"),
        )
        conversation = only(path)
        assert [n.source_id for n in conversation.nodes if n.parent is None] == ["u1", "cb"]
        assert conversation.current == "a2"
        boundary = by_id(conversation)["cb"]
        assert (boundary.role, boundary.content, boundary.hidden) == ("system", "Conversation compacted", True)
        assert boundary.item["logicalParentUuid"] == "a1"
        assert conversation.notes == []

    def test_metadata_of_a_session_without_messages_joins_the_first_session(self, tmp_path):
        path = write(
            tmp_path,
            orjson.dumps({"type": "permission-mode", "permissionMode": "plan", "sessionId": "x"}) + b"\n",
            user("u1", "hello"),
        )
        conversation = only(path)
        assert conversation.source_id == "s"
        assert conversation.metadata["state"]["permission-mode"] == {"permissionMode": "plan"}
        assert conversation.notes == ["session x has no message line in the file; its metadata is kept here"]

    @pytest.mark.parametrize(
        "stamp, seconds",
        [
            ("2025-06-14T11:00:00Z", 1749898800.0),
            ("2026-02-16T18:47:50.590Z", 1771267670.59),
            ("2025-06-14T11:00:00.5+01:00", 1749895200.5),
            ("2025-06-14T11:00:00.1234567Z", 1749898800.1234567),
            ("2025-06-14T11:00:00." + "1" * 5000 + "Z", None),
            ("2025-13-14T11:00:00Z", None),
            ("yesterday", None),
            (1749898800, None),
        ],
    )
    def test_timestamps_are_read_leniently(self, tmp_path, stamp, seconds):
        (node,) = only(write(tmp_path, user("u1", "hi", timestamp=stamp))).nodes
        assert node.created_at == (None if seconds is None else pytest.approx(seconds))

    def test_an_empty_file_is_skipped(self, tmp_path):
        (skipped,) = read(write(tmp_path, b""))
        assert isinstance(skipped, Skipped)


# -- through the engine, into a real store ----------------------------------------------------


@pytest.fixture
def formats():
    return threadtree.formats


def tree(store, thread_id) -> dict:
    """source_id -> (parent source_id, role, hidden) for every entry of the thread."""
    entries = store.entries(thread_id)
    sources = {e.id: e.source_id for e in entries}
    return {e.source_id: (sources.get(e.parent_id), e.role, e.hidden) for e in entries}


class TestStore:
    def test_the_rewind_sample_imports_as_one_tree_with_the_later_branch_live(self, formats, store):
        report = formats.import_file(store, REWIND)
        assert report.format == "claude-code"
        (outcome,) = report.imported
        thread = store.get_thread(outcome.thread_id)
        assert (thread.source_format, thread.source_id) == ("claude-code", "03eb5929-52b3-4b13-ada3-b93ae35806b8")
        shape = tree(store, thread.id)
        assert len(shape) == 52
        assert [s for s, (parent, _, _) in shape.items() if parent == FORK] == [EARLIER, LATER]
        path = store.path(thread.id)
        assert path[-1].source_id == REWIND_LEAF
        assert LATER in [e.source_id for e in path]
        assert thread.metadata["source"]["file_history_snapshots"] == snapshots(REWIND)

    def test_importing_twice_changes_nothing(self, formats, store):
        (first,) = formats.import_file(store, REWIND).imported
        before = store.entries(first.thread_id)
        again = formats.import_file(store, REWIND)
        assert not again.imported and not again.updated
        assert [o.thread_id for o in again.unchanged] == [first.thread_id]
        assert store.entries(first.thread_id) == before

    def test_a_longer_version_of_the_file_adds_only_the_new_lines_and_moves_the_leaf(self, formats, store, tmp_path):
        path = tmp_path / REWIND.name
        path.write_bytes(b"".join(lines(REWIND)[:37]))  # up to the end of the earlier branch
        (first,) = formats.import_file(store, path).imported
        before = store.entries(first.thread_id)
        assert len(before) == 31  # 37 lines less 6 file-history-snapshots
        assert store.path(first.thread_id)[-1].source_id == full_id(only(REWIND), "95b483e6")
        path.write_bytes(REWIND.read_bytes())
        (updated,) = formats.import_file(store, path).updated
        assert updated.thread_id == first.thread_id and updated.added == 52 - 31
        after = store.entries(first.thread_id)
        assert after[: len(before)] == before
        assert store.path(first.thread_id)[-1].source_id == REWIND_LEAF

    def test_a_main_session_and_its_subagent_become_two_linked_threads(self, formats, store):
        report = formats.import_file(store, MODERN)
        main_outcome, agent_outcome = report.imported
        main = store.get_thread(main_outcome.thread_id)
        agent = store.get_thread(agent_outcome.thread_id)
        assert (main.source_id, agent.source_id) == (SESSION, AGENT_KEY)
        link = agent.metadata["source"]
        assert link["parent_session"] == main.source_id
        spawner = store.find_entry(main.id, link["spawned_by"])
        assert spawner.role == "tool" and spawner.item["toolUseResult"]["agentId"] == AGENT_ID
        assert len(store.entries(agent.id)) == 56
        assert store.path(agent.id)[-1].source_id.startswith("ca87be74")

    def test_the_subagent_file_imported_alone_afterwards_changes_nothing(self, formats, store):
        formats.import_file(store, MODERN)
        again = formats.import_file(store, AGENT)
        (outcome,) = again.unchanged
        assert store.get_thread(outcome.thread_id).source_id == AGENT_KEY
        assert not again.imported and not again.updated

    def test_bad_lines_are_reported_and_the_sessions_imported(self, formats, store):
        report = formats.import_file(store, EDGE, format="claude-code")
        assert [o.where for o in report.skipped] == ["line 13", "line 14", "line 15", "line 16"]
        assert sorted(store.get_thread(o.thread_id).source_id for o in report.imported) == [
            "edge_cases", "todowrite_session",
        ]
