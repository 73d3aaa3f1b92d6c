"""Claude Code session transcripts: ``~/.claude/projects/<project>/<sessionId>.jsonl``.

A transcript is an append-only JSONL log (docs/formats.md section 3). This reader reads it
line by line and maps it as follows.

Conversations
    One :class:`Conversation` per ``sessionId`` found in the file, in order of first appearance
    (``source_id`` = the sessionId, or the file stem for lines without one). Sidechain lines
    (``isSidechain: true``: subagent transcripts) form their own conversation per agent,
    ``source_id`` = ``"<sessionId>/agent-<agentId>"`` (``"<sessionId>/sidechain"`` for old sidechain
    lines without an ``agentId``). Reading a main session file also reads its subagent files and
    yields them as extra conversations: the 2.1.x layout
    ``<dir>/<sessionId>/subagents/**/agent-*.jsonl``, and the 1.0.x one, ``agent-*.jsonl`` beside
    the session file, whose first lines carry the session's id. A subagent conversation's metadata
    links back: ``parent_session`` (the main conversation's ``source_id``), ``spawned_by`` (the uuid
    of the main session's ``tool_result`` line whose ``toolUseResult.agentId`` is the agent's id,
    when known) and ``agent_meta`` (the ``agent-<id>.meta.json`` beside the file). The main
    conversation lists its agents in ``metadata["subagents"]``; a subagent file read on its own
    finds the main file from the same layouts to fill in ``spawned_by``.

    Nothing else is read: a sessionId is used as a file name only when it is one plain path
    component (not ``..``), and a file (or ``.meta.json``) that, symlinks resolved, lies outside the
    session file's folder is not read (a note says so).

Entries
    Every line with a ``uuid`` whose ``type`` is not session state becomes one :class:`Node`:
    ``source_id`` = uuid, ``parent`` = ``parentUuid``, ``item`` = the whole line object,
    ``created_at`` = its ISO ``timestamp``. Assistant replies stay split one line per content
    block (thinking, text, tool_use), chained through ``parentUuid``, exactly as written:
    later lines use those uuids as parents. Roles and visibility (section 3.4):

    * ``user``: ``tool`` when the content is only ``tool_result`` blocks, else ``user``;
      ``isMeta`` lines (injected caveats, context) are hidden;
    * ``assistant``: ``assistant``; a line with no text and no tool call (a thinking block, or
      only whitespace) is hidden, with the thinking as its text;
    * ``system``: ``system``, hidden; ``attachment``, ``progress`` and unknown types with a
      uuid: ``other``, hidden.

    Text: ``text`` blocks; ``tool_use`` as ``name({input json})``; ``tool_result`` content
    (a string or text blocks); images as ``[image <media type>]``. A message line without a
    uuid (hand-written and third-party files have them) is still kept, under the stable
    synthesized id ``line-<n>`` (``<file stem>:line-<n>`` in a subagent file): the file is
    append-only, so a line keeps its number.

Session metadata (``Conversation.metadata``)
    ``header``: the session-level fields of the first lines (``sessionId``, ``cwd``, ``gitBranch``,
    ``version``, ``entrypoint``, ``userType``, ``slug``, ``agentId``) and the file name. Lines
    without a uuid are not entries: ``summaries`` (every ``summary`` line, ``{summary, leafUuid}``,
    those of other sessions included), ``queue_operations`` (every ``queue-operation`` line:
    steering input the user typed while the agent worked), ``state`` (the last line of each
    session-state type, ``custom-title``, ``ai-title``, ``last-prompt``, ``permission-mode``, ...:
    these are re-appended whenever the value changes and the last one wins; the earlier lines of
    each type are not kept) with ``state_counts``, ``file_history_snapshots`` (every
    ``file-history-snapshot`` line whole, without its ``type``: the pointers to the file backups
    Claude Code keeps outside the transcript for its checkpoints; the backups themselves are not
    read), ``other_lines`` (any other line without a uuid, whole), and ``continues`` (roots whose
    parent is in another conversation of the same read: a resume or a fork across sessions, or a
    sidechain hanging from its main session).

Title
    The last ``custom-title``, else the last ``ai-title``, else a ``summary`` whose
    ``leafUuid`` is an entry of the conversation, else (for a subagent) the ``.meta.json``
    description, else the first line of the first typed user prompt (80 characters).

Live leaf (section 3.3)
    No field records it: it is the last uuid-bearing, non-sidechain ``user`` or
    ``assistant`` line in file order (for a subagent conversation, its last such line).
    After a rewind the abandoned branch is earlier in the file, so this is the newer branch.

Repairs and skips
    A duplicated uuid keeps the first line (noted). A parent in another session of the file
    becomes a root (noted, and listed in ``continues``); a parent on the other side of a
    main/sidechain split becomes a root silently (the known sidechain case; also listed). Other missing
    parents are left for the engine, which makes them roots and reports them. A line that
    is not valid JSON, not an object, or an object without a ``type`` is yielded as
    :class:`Skipped` with its line (and column), and reading goes on. A file with no message
    line at all yields one :class:`Skipped`.

The rules for one line (role, text, visibility, timestamp, a title from the first prompt) are
in :mod:`threadtree.formats._claude_code_lines`; finding a session's subagent files, and
refusing paths outside its folder, in :mod:`threadtree.formats._claude_code_agents`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from ._claude_code_agents import _agent_files_beside, _agent_meta, _main_file_of, _spawns_in, _subagent_files
from ._claude_code_lines import _SNIFF_LINES, _first_prompt, _is_id, _json_kind, _seconds, render
from ._model import Conversation, Node, Skipped

NAME = "claude-code"
DESCRIPTION = "Claude Code session transcript (~/.claude/projects/<project>/<session>.jsonl)"

_NODE_TYPES = frozenset({"user", "assistant", "system", "attachment", "progress"})
_STATE_TYPES = frozenset(
    {
        "custom-title",
        "ai-title",
        "last-prompt",
        "permission-mode",
        "mode",
        "agent-name",
        "agent-color",
        "agent-setting",
        "pr-link",
        "bridge-session",
        "atis-latch",
        "cost-state",
    }
)
_METADATA_TYPES = _STATE_TYPES | {"summary", "queue-operation", "file-history-snapshot"}
_HEADER_KEYS = ("sessionId", "cwd", "gitBranch", "version", "entrypoint", "userType", "slug", "agentId")


# -- sniff ------------------------------------------------------------------------------------


def sniff(head: bytes, path: Path) -> bool:
    """Whether the head looks like a Claude Code transcript.

    The first parseable object line must have a ``type`` (every Claude Code line has one;
    new session-state types keep appearing, so any name will do), and some line among the
    first 50 must be a message line with ``uuid`` and ``sessionId``, a ``summary`` with a
    ``leafUuid`` or a ``file-history-snapshot``. A pi header (``{"type": "session"}``) or a
    SillyTavern header (``user_name`` and ``character_name``) says no.
    """
    first = True
    strong = False
    for raw in head.splitlines()[:_SNIFF_LINES]:
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # a bad line, or the last line cut by the 1 MiB head
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind == "session" or ("user_name" in obj and "character_name" in obj):
            return False
        if not isinstance(kind, str):  # a list there is not hashable: a later such line is passed over
            if first:
                return False
            continue
        first = False
        strong = strong or (
            (kind in _NODE_TYPES and "uuid" in obj and "sessionId" in obj)
            or (kind == "summary" and "leafUuid" in obj)
            or (kind == "file-history-snapshot" and "snapshot" in obj)
        )
    return strong


# -- read -------------------------------------------------------------------------------------


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """The sessions of ``path`` (and of its subagent files), read line by line."""
    path = Path(path)
    collector = _Collector(default_session=path.stem)
    yield from collector.feed(path, prefix="", name=path.name)
    mains = [g.session_id for g in collector.groups.values() if not g.sidechain and g.nodes]
    if mains:
        others = _subagent_files(path, mains, collector.loose.notes) + _agent_files_beside(path, mains)
        for sub in others:
            collector.add_agent_meta(sub)
            yield from collector.feed(sub, prefix=f"{sub.stem}:", name=sub.name)
    else:  # a subagent file read on its own: find the spawning tool_result in the main file
        collector.add_agent_meta(path)
        collector.find_spawns(_main_file_of(path, [g.session_id for g in collector.groups.values()]))
    yield from collector.finish(path)


@attrs.define
class _Group:
    """The lines of one future conversation, gathered as the file is read."""

    key: str
    session_id: str | None
    agent_id: str | None
    sidechain: bool
    file: str = ""
    nodes: list[Node] = attrs.field(factory=list)
    kinds: dict[str, str] = attrs.field(factory=dict)  # source_id -> line type
    current: str | None = None
    header: dict[str, Any] = attrs.field(factory=dict)
    versions: list[str] = attrs.field(factory=list)
    summaries: list[dict] = attrs.field(factory=list)
    queue: list[dict] = attrs.field(factory=list)
    state: dict[str, dict] = attrs.field(factory=dict)
    state_counts: dict[str, int] = attrs.field(factory=dict)
    snapshots: list[dict] = attrs.field(factory=list)
    other_lines: list[dict] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)

    def absorb(self, other: _Group) -> None:
        """Take over the session metadata of a group that has no message line."""
        self.summaries.extend(other.summaries)
        self.queue.extend(other.queue)
        for kind, line in other.state.items():
            self.state.setdefault(kind, line)
        for kind, count in other.state_counts.items():
            self.state_counts[kind] = self.state_counts.get(kind, 0) + count
        self.snapshots.extend(other.snapshots)
        self.other_lines.extend(other.other_lines)
        self.notes.extend(other.notes)


class _Collector:
    """Sorts the lines of a transcript (and its subagent files) into conversations."""

    def __init__(self, default_session: str) -> None:
        self.default_session = default_session
        self.file = ""
        self.groups: dict[str, _Group] = {}
        self.loose = _Group(key="", session_id=None, agent_id=None, sidechain=False)
        self.owner: dict[str, tuple[str, str]] = {}  # source_id -> (group key, where)
        self.spawns: dict[str, str] = {}  # agentId -> uuid of the spawning tool_result line
        self.agent_meta: dict[str, Any] = {}
        self.all_summaries: list[dict] = []

    # -- reading lines --

    def feed(self, path: Path, prefix: str, name: str) -> Iterator[Skipped]:
        """Read one file line by line; yield a :class:`Skipped` per unreadable line.

        ``prefix`` starts the synthesized ids of the file's lines without a uuid; ``name`` is
        the file's name for metadata and reports (the same whichever file was imported).
        """
        self.file = name
        label = f"{name} " if prefix else ""
        with open(path, "rb") as lines:
            for number, raw in enumerate(lines, 1):
                if not raw.strip():
                    continue
                where = f"{label}line {number}"
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield Skipped(f"{where}, column {exc.colno}", f"not valid JSON: {exc.msg}")
                    continue
                if not isinstance(obj, dict):
                    yield Skipped(where, f"a JSON {_json_kind(obj)}, not an object")
                    continue
                kind = obj.get("type")
                if not isinstance(kind, str) or not kind:
                    yield Skipped(where, "an object without a 'type'")
                    continue
                if kind in _METADATA_TYPES or (kind not in _NODE_TYPES and not _is_id(obj.get("uuid"))):
                    self._metadata(obj, kind)
                else:
                    self._node(obj, kind, where, f"{prefix}line-{number}")

    def _session(self, obj: dict) -> str:
        sid = obj.get("sessionId")
        return sid if _is_id(sid) else self.default_session

    def _group(self, key: str, session_id: str, agent_id: str | None, sidechain: bool) -> _Group:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(key, session_id, agent_id, sidechain, file=self.file)
        return group

    def _metadata(self, obj: dict, kind: str) -> None:
        if _is_id(obj.get("sessionId")):
            sid = obj["sessionId"]
            group = self._group(sid, sid, None, False)
        else:
            group = self.loose
        if kind == "summary":
            summary = {k: v for k, v in obj.items() if k != "type"}
            self.all_summaries.append(summary)
            group.summaries.append(summary)
        elif kind == "queue-operation":
            group.queue.append({k: v for k, v in obj.items() if k not in ("type", "sessionId")})
        elif kind == "file-history-snapshot":
            group.snapshots.append({k: v for k, v in obj.items() if k != "type"})
        elif kind in _STATE_TYPES:
            group.state[kind] = {k: v for k, v in obj.items() if k not in ("type", "sessionId")}
            group.state_counts[kind] = group.state_counts.get(kind, 0) + 1
        else:
            group.other_lines.append(obj)

    def _node(self, obj: dict, kind: str, where: str, synthetic: str) -> None:
        sid = self._session(obj)
        sidechain = obj.get("isSidechain") is True
        agent = obj.get("agentId") if _is_id(obj.get("agentId")) else None
        if sidechain:
            key = f"{sid}/agent-{agent}" if agent else f"{sid}/sidechain"
        else:
            key = sid
        group = self._group(key, sid, agent if sidechain else None, sidechain)
        uuid = obj.get("uuid")
        if _is_id(uuid):
            source_id = uuid
        else:
            source_id = synthetic
            group.notes.append(f"{where}: {kind} line without a uuid; kept as node {source_id!r}")
        if source_id in self.owner:
            first_key, first_where = self.owner[source_id]
            first = self.groups[first_key]
            first.notes.append(f"node {source_id}: {where} repeats this uuid; the first ({first_where}) is kept")
            if first_key == key and kind in ("user", "assistant") and source_id == uuid:
                first.current = source_id  # a logged-twice line is still the latest line
            return
        self.owner[source_id] = (key, where)
        parent = obj.get("parentUuid")
        role, content, hidden = render(obj, kind)
        group.nodes.append(
            Node(
                source_id=source_id,
                parent=parent if _is_id(parent) else None,
                role=role,
                content=content,
                item=obj,
                hidden=hidden,
                created_at=_seconds(obj.get("timestamp")),
            )
        )
        group.kinds[source_id] = kind
        if kind in ("user", "assistant") and source_id == uuid:
            group.current = source_id
        for field in _HEADER_KEYS:
            if field in obj:
                group.header.setdefault(field, obj[field])
        version = obj.get("version")
        if isinstance(version, str) and version not in group.versions:
            group.versions.append(version)
        result = obj.get("toolUseResult")
        if not sidechain and isinstance(result, dict) and _is_id(result.get("agentId")):
            self.spawns.setdefault(result["agentId"], source_id)

    def add_agent_meta(self, path: Path) -> None:
        """Keep ``agent-<id>.meta.json`` (agentType, description) from beside a subagent file."""
        self.agent_meta.update(_agent_meta(path))

    def find_spawns(self, main: Path | None) -> None:
        """Scan a main session file for the tool_result lines that spawned our agents."""
        wanted = {g.agent_id for g in self.groups.values() if g.agent_id}
        for agent, uuid in _spawns_in(main, wanted).items():
            self.spawns.setdefault(agent, uuid)

    # -- building conversations --

    def finish(self, path: Path) -> Iterator[Conversation | Skipped]:
        with_nodes = [g for g in self.groups.values() if g.nodes]
        if not with_nodes:
            yield Skipped(path.name, "no message lines (user, assistant, system...) in the file")
            return
        primary = next((g for g in with_nodes if not g.sidechain), with_nodes[0])
        primary.absorb(self.loose)
        for group in self.groups.values():
            if not group.nodes:
                primary.notes.append(f"session {group.key} has no message line in the file; its metadata is kept here")
                primary.absorb(group)
        for group in with_nodes:
            yield self._conversation(group)

    def _conversation(self, group: _Group) -> Conversation:
        nodes, continues = self._cut_foreign_parents(group)
        header = {**group.header, "file": group.file}
        if len(group.versions) > 1:
            header["versions"] = group.versions
        metadata: dict[str, Any] = {"header": header}
        for key, value in (
            ("summaries", group.summaries),
            ("queue_operations", group.queue),
            ("state", group.state),
            ("state_counts", group.state_counts),
            ("file_history_snapshots", group.snapshots),
            ("other_lines", group.other_lines),
            ("continues", continues),
        ):
            if value:
                metadata[key] = value
        if group.sidechain:
            metadata["parent_session"] = group.session_id
            metadata["agent_id"] = group.agent_id
            if group.agent_id in self.spawns:
                metadata["spawned_by"] = self.spawns[group.agent_id]
            if group.agent_id in self.agent_meta:
                metadata["agent_meta"] = self.agent_meta[group.agent_id]
        else:
            subagents = self._subagents_of(group)
            if subagents:
                metadata["subagents"] = subagents
        stamps = [n.created_at for n in nodes if n.created_at is not None]
        kind = "subagent" if group.sidechain else "session"
        return Conversation(
            format=NAME,
            source_id=group.key,
            title=self._title(group),
            nodes=nodes,
            current=group.current,
            metadata=metadata,
            created_at=min(stamps, default=None),
            updated_at=max(stamps, default=None),
            where=f"{kind} {group.key}",
            notes=group.notes,
        )

    def _cut_foreign_parents(self, group: _Group) -> tuple[list[Node], list[dict]]:
        """Make roots of nodes whose parent lives in another conversation of this read."""
        nodes: list[Node] = []
        continues: list[dict] = []
        for node in group.nodes:
            owner = self.owner.get(node.parent) if node.parent is not None else None
            if owner is None or owner[0] == group.key:
                nodes.append(node)
                continue
            other = self.groups[owner[0]]
            if not (other.sidechain or group.sidechain):  # across a sidechain split: silently
                group.notes.append(
                    f"node {node.source_id}: parent {node.parent} is in session {other.key}; made a root"
                )
            continues.append({"uuid": node.source_id, "parentUuid": node.parent, "session": other.key})
            nodes.append(attrs.evolve(node, parent=None))
        return nodes, continues

    def _subagents_of(self, group: _Group) -> list[dict]:
        agents: dict[str, dict] = {}
        for other in self.groups.values():
            if other.sidechain and other.session_id == group.session_id and other.nodes:
                agents[other.agent_id or ""] = {"agent_id": other.agent_id, "source_id": other.key}
        for agent, spawner in self.spawns.items():
            if self.owner.get(spawner, ("",))[0] != group.key:
                continue
            entry = agents.setdefault(agent, {"agent_id": agent, "source_id": None})
            entry["spawned_by"] = spawner
        return list(agents.values())

    def _title(self, group: _Group) -> str | None:
        for kind, field in (("custom-title", "customTitle"), ("ai-title", "aiTitle")):
            value = group.state.get(kind, {}).get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
        for summary in reversed(self.all_summaries):
            leaf, text = summary.get("leafUuid"), summary.get("summary")
            if isinstance(leaf, str) and leaf in group.kinds and isinstance(text, str):
                return text
        meta = self.agent_meta.get(group.agent_id or "")
        if group.sidechain and isinstance(meta, dict) and isinstance(meta.get("description"), str):
            return meta["description"]
        return _first_prompt(group.nodes)
