"""The subagent files of a Claude Code session, found safely, and what links them to it:
the ``agent-<id>.meta.json`` beside each, the main session's ``tool_result`` line that spawned
each agent. The reader, :mod:`threadtree.formats.claude_code`, reads the files it is given.

Which other files an import reads: names taken from a file's content (a sessionId) are used
only when they are one plain path component, and every file is read only when, symlinks
resolved, it lies inside the folder of the session it belongs to: a crafted sessionId ("..")
or a planted symlink must not make an import read anything else on the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeGuard

import orjson

from ._claude_code_lines import _SNIFF_LINES, _is_id


def _plain_name(name: object) -> TypeGuard[str]:
    """Whether ``name`` can only name an entry of a folder: one path component, not ``.`` or
    ``..``, without a separator or a NUL."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and not any(c in name for c in "/\\\x00")
        and Path(name).name == name
    )


def _inside(candidate: Path, folder: Path) -> bool:
    """Whether ``candidate`` is a file that, symlinks resolved, lies inside ``folder``."""
    try:
        return candidate.is_file() and candidate.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _subagent_files(path: Path, sessions: list[str | None], notes: list[str]) -> list[Path]:
    """The 2.1.x subagent files of the sessions, ``<folder>/<sessionId>/subagents/**/agent-*.jsonl``."""
    found: list[Path] = []
    for sid in sessions:
        if not _plain_name(sid):
            continue
        folder = path.parent / sid / "subagents"
        if not folder.is_dir() or not folder.resolve().is_relative_to(path.parent.resolve()):
            continue
        for candidate in sorted(folder.rglob("agent-*.jsonl")):
            if _inside(candidate, path.parent):
                found.append(candidate)
            elif candidate.is_symlink():
                notes.append(f"{candidate.relative_to(path.parent)} points outside the session's folder; not read")
    return found


def _agent_files_beside(path: Path, sessions: list[str | None]) -> list[Path]:
    """The 1.0.x subagent files of the sessions: ``agent-*.jsonl`` beside the session file whose
    lines carry one of the sessions' ids (the file names hold only the agent's id)."""
    wanted = {sid for sid in sessions if sid}
    return [
        candidate
        for candidate in sorted(path.parent.glob("agent-*.jsonl"))
        if candidate != path and _inside(candidate, path.parent) and _session_of(candidate) in wanted
    ]


def _session_of(path: Path) -> str | None:
    """The sessionId of the first of a transcript's first lines that has one."""
    try:
        with open(path, "rb") as lines:
            for _, raw in zip(range(_SNIFF_LINES), lines):
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(obj, dict) and _is_id(obj.get("sessionId")):
                    return obj["sessionId"]
    except OSError:
        return None
    return None


def _main_file_of(path: Path, sessions: Iterable[str | None]) -> Path | None:
    """The main session file of a subagent file read on its own: ``<sessionId>.jsonl`` of the
    2.1.x layout (``<sessionId>/subagents/.../agent-*.jsonl``) or of the 1.0.x one (beside it);
    ``sessions`` are the ids its lines carry."""
    plain = {sid for sid in sessions if _plain_name(sid)}
    for ancestor in path.parents:
        if ancestor.name == "subagents" and ancestor.parent.name in plain:
            project = ancestor.parent.parent
            candidate = project / f"{ancestor.parent.name}.jsonl"
            return candidate if _inside(candidate, project) else None
    for sid in sorted(plain):
        candidate = path.parent / f"{sid}.jsonl"
        if candidate != path and _inside(candidate, path.parent):
            return candidate
    return None


def _agent_meta(path: Path) -> dict[str, Any]:
    """``{agent id: its agent-<id>.meta.json}`` (agentType, description) from beside a subagent
    file; empty when there is none, it lies outside the folder, or it is not JSON."""
    beside = path.with_name(path.stem + ".meta.json")
    if not _inside(beside, path.parent):
        return {}
    try:
        meta = orjson.loads(beside.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return {path.stem.removeprefix("agent-"): meta}


def _spawns_in(main: Path | None, wanted: set[str]) -> dict[str, str]:
    """Scan a main session file for the tool_result lines that spawned the ``wanted`` agents:
    ``{agentId: uuid of the first such line}``."""
    found: dict[str, str] = {}
    if main is None or not wanted:
        return found
    needles = {agent: agent.encode() for agent in wanted}
    with open(main, "rb") as lines:
        for raw in lines:
            hits = [agent for agent, needle in needles.items() if needle in raw]
            if not hits:
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            result = obj.get("toolUseResult") if isinstance(obj, dict) else None
            if isinstance(result, dict) and result.get("agentId") in hits and _is_id(obj.get("uuid")):
                found.setdefault(result["agentId"], obj["uuid"])
    return found
