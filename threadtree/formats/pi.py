"""pi coding agent sessions (``~/.pi/agent/sessions/--<cwd>--/<timestamp>_<uuid>.jsonl``).

docs/formats.md section 7. A JSONL file, read one line at a time. Line 1 is the header
``{type: "session", version?, id, timestamp, cwd, parentSession? | branchedFrom?}``; every other
line is an entry.

How it maps onto threadtree:

* One file = one thread, keyed by the header ``id``. Title: the name of the last
  ``session_info`` entry, else ``None``. The header is kept as ``metadata["header"]``; a
  ``parentSession`` (v2/v3) or ``branchedFrom`` (v1) path is also put in
  ``metadata["parent_session"]``.
* Every entry becomes a node whose item is the entry as parsed.
  * v2/v3 entries have ``id`` and ``parentId``: used as is (``parentId: null`` is a root).
  * v1 entries (no ``version`` in the header) have neither: each gets the id ``line-<n>``, its
    1-based line number in the file (stable, because pi only appends), and is chained to the
    entry before it in file order, which is how pi itself migrates v1 to v2. An entry without
    an ``id`` in a v2/v3 file is treated the same way, with a note.
* Roles, hidden flags and text, by entry type:
  * ``message``, by ``message.role``: ``user`` -> user, ``assistant`` -> assistant,
    ``toolResult`` -> tool, ``bashExecution`` (a ``!command`` the user ran; pi sends it to the
    model as a user message) -> user with the text ``$ <command>`` and the output;
    ``custom``/``hookMessage`` -> other, hidden when ``display`` is false; any other role ->
    other. Text = the ``text`` blocks (or the string content); an assistant's ``toolCall``
    blocks add a line ``[tool call <name>] <arguments as JSON>``; ``thinking`` blocks and images
    stay in the item only; an error reply with no content shows ``[error] <errorMessage>``.
  * ``compaction`` and ``branch_summary``: role other, visible, text = ``summary``.
  * ``custom_message``: role other, text = its content, hidden when ``display`` is false.
  * ``model_change``, ``thinking_level_change``, ``label``, ``session_info``, ``custom`` and
    unknown types: hidden, role other, a one-line description as text. They stay entries because
    later entries name them as parents.
* Times: the entry's ISO ``timestamp``, else ``message.timestamp`` (Unix milliseconds).
* Live leaf: the last entry in file order (pi sets its leaf to each entry in turn while loading).
* Lines that are not JSON objects are skipped with a note naming the line (pi skips them too);
  v1 chaining continues from the previous good entry. A file whose first line is not a session
  header is skipped whole.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import orjson

from ._model import Conversation, Node, Skipped
from ._reading import first_line, iso_seconds, jsonl_lines, millis_seconds

NAME = "pi"
DESCRIPTION = "pi coding agent session (JSONL with a {type: session} header line)"

_MESSAGE_ROLES = {"user": "user", "assistant": "assistant", "toolResult": "tool", "bashExecution": "user"}
_SUMMARIES = {"compaction", "branch_summary"}


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """The first line is a pi session header: ``type`` "session" with a string ``id`` and ``cwd``."""
    header = first_line(head)
    return (
        isinstance(header, dict)
        and header.get("type") == "session"
        and isinstance(header.get("id"), str)
        and isinstance(header.get("cwd"), str)
        and "sessionId" not in header
    )


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The session of one pi file, read line by line (see the module docstring)."""
    header: dict[str, Any] | None = None
    nodes: list[Node] = []
    notes: list[str] = []
    previous: str | None = None
    title: str | None = None
    for number, line in jsonl_lines(path):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if header is None:
                yield Skipped(f"line {number}, column {exc.colno}", f"the session header is not valid JSON: {exc.msg}")
                return
            notes.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno}); skipped")
            continue
        if header is None:
            if not (isinstance(entry, dict) and entry.get("type") == "session" and isinstance(entry.get("id"), str)):
                yield Skipped(f"line {number}", "the first line is not a pi session header {type: session, id}")
                return
            header = entry
            continue
        if not isinstance(entry, dict):
            notes.append(f"line {number}: not a JSON object; skipped")
            continue
        source_id = entry.get("id")
        if isinstance(source_id, str) and source_id:
            parent = entry.get("parentId") if "parentId" in entry else previous
            if parent is not None and not isinstance(parent, str):
                notes.append(f"node {source_id}: parentId {parent!r} is not a string; made a root")
                parent = None
        else:
            source_id = f"line-{number}"
            parent = previous
            if _version(header) >= 2:
                notes.append(f"line {number}: entry without an id; given the id {source_id} and chained")
        role, content, hidden = describe(entry)
        if entry.get("type") == "session_info" and isinstance(entry.get("name"), str):
            title = entry["name"] or title
        nodes.append(Node(source_id, parent, role, content, entry, hidden, _time(entry)))
        previous = source_id
    if header is None:
        yield Skipped("file", "the file is empty: no pi session header")
        return
    if _version(header) < 2 and nodes:
        notes.append("v1 session: entries have no ids; named line-<n> by line number and chained in file order")
    metadata: dict[str, Any] = {"header": header}
    parent_session = header.get("parentSession") or header.get("branchedFrom")
    if isinstance(parent_session, str):
        metadata["parent_session"] = parent_session
    times = [node.created_at for node in nodes if node.created_at is not None]
    yield Conversation(
        format=NAME,
        source_id=header["id"],
        title=title,
        nodes=nodes,
        current=nodes[-1].source_id if nodes else None,
        metadata=metadata,
        created_at=iso_seconds(header.get("timestamp")),
        updated_at=max(times) if times else None,
        where=f"session {header['id']}",
        notes=notes,
    )


def _version(header: dict[str, Any]) -> int:
    version = header.get("version", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _time(entry: dict[str, Any]) -> float | None:
    moment = iso_seconds(entry.get("timestamp"))
    if moment is None and isinstance(entry.get("message"), dict):
        moment = millis_seconds(entry["message"].get("timestamp"))
    return moment


def describe(entry: dict[str, Any]) -> tuple[str, str, bool]:
    """``(role, text, hidden)`` of one entry (see the module docstring)."""
    kind = entry.get("type")
    if kind == "message":
        message = entry.get("message")
        return _message(message if isinstance(message, dict) else {})
    if isinstance(kind, str) and kind in _SUMMARIES:  # a list there is not hashable
        summary = entry.get("summary")
        return "other", summary if isinstance(summary, str) else "", False
    if kind == "custom_message":
        return "other", _blocks_text(entry.get("content")), entry.get("display") is False
    return "other", _meta_text(kind, entry), True


def _message(message: dict[str, Any]) -> tuple[str, str, bool]:
    role = message.get("role")
    if role == "bashExecution":
        command, output = message.get("command"), message.get("output")
        text = f"$ {command if isinstance(command, str) else ''}"
        if isinstance(output, str) and output:
            text += "\n" + output
        return "user", text, False
    content = message.get("content")
    text = _blocks_text(content)
    if role == "assistant":
        calls = [
            f"[tool call {block.get('name')}] {orjson.dumps(block.get('arguments')).decode()}"
            for block in (content if isinstance(content, list) else [])
            if isinstance(block, dict) and block.get("type") == "toolCall"
        ]
        text = "\n\n".join(part for part in [text, *calls] if part)
        if not text and isinstance(message.get("errorMessage"), str):
            text = f"[error] {message['errorMessage']}"
    if role in ("custom", "hookMessage"):
        return "other", text, message.get("display") is False
    # a role that is not a string (a list from a hostile file) is not hashable: no lookup
    return _MESSAGE_ROLES.get(role, "other") if isinstance(role, str) else "other", text, False


def _blocks_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "\n\n".join(
        block["text"]
        for block in content
        if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str)
    )


def _meta_text(kind: Any, entry: dict[str, Any]) -> str:
    if kind == "model_change":
        return f"model_change: {entry.get('provider')}/{entry.get('modelId')}"
    if kind == "thinking_level_change":
        return f"thinking_level_change: {entry.get('thinkingLevel')}"
    if kind == "label":
        return f"label: {entry.get('label')} (on {entry.get('targetId')})"
    if kind == "session_info":
        return f"session_info: {entry.get('name')}"
    if kind == "custom":
        return f"custom: {entry.get('customType')}"
    return str(kind)
