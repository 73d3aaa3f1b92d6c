"""Exporters for model APIs: the live path as OpenAI Chat Completions or Anthropic Messages input.

Both write the **live path** (root to the current leaf) and leave hidden entries out, except
that system prompts (``system`` and ``developer`` entries), hidden or not, are kept:

``openai``
    A list of Chat Completions messages. An entry whose item already is a Chat Completions
    message (a dict with a known ``role`` and only message keys, as an agent appended it) is
    written as it is, tool calls and all. Any other entry becomes ``{"role", "content"}``: its
    role if the API has it (``system``, ``developer``, ``user``, ``assistant``), else ``user``
    (imported tool output has no tool call id to answer, so it cannot be a ``tool`` message).
``anthropic``
    ``{"system": str | None, "messages": [...]}`` for the Messages API. Roles are ``user``
    and ``assistant`` only (tool output and other roles become ``user`` text); entries of the
    same role in a row are merged into one message of several content blocks, so roles
    alternate; empty texts are left out (the API rejects empty text blocks). Entries imported
    from Claude Code keep their original content blocks (``tool_use``, ``tool_result``,
    images); thinking blocks are left out, since a signature only holds for the model and
    turn that made it.

Both can be imported back (the ``openai`` and ``anthropic`` readers, :func:`conversation`):
each file becomes one linear thread.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..records import Entry, Thread
from ._model import Conversation, Node

_OPENAI_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_OPENAI_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call", "audio"}
_ANTHROPIC_BLOCKS = {"text", "image", "document", "tool_use", "tool_result"}


def _live_path(thread: Thread, entries: list[Entry]) -> list[Entry]:
    by_id = {e.id: e for e in entries}
    path = []
    at = thread.current_leaf_id
    while at is not None:
        entry = by_id[at]
        path.append(entry)
        at = entry.parent_id
    return path[::-1]


def _is_chat_message(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("role"), str)  # a list there is not hashable
        and item["role"] in _OPENAI_ROLES
        and item.keys() <= _OPENAI_KEYS
        and (item["role"] != "tool" or "tool_call_id" in item)
    )


def to_openai(thread: Thread, entries: list[Entry]) -> list[dict[str, Any]]:
    messages = []
    for entry in _live_path(thread, entries):
        if entry.hidden and entry.role not in ("system", "developer"):
            continue
        if _is_chat_message(entry.item):
            messages.append(entry.item)
        elif entry.content:
            role = entry.role if entry.role in {"system", "developer", "user", "assistant"} else "user"
            messages.append({"role": role, "content": entry.content})
    return messages


def to_anthropic(thread: Thread, entries: list[Entry]) -> dict[str, Any]:
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for entry in _live_path(thread, entries):
        if entry.role in {"system", "developer"}:
            if entry.content:
                system.append(entry.content)
            continue
        if entry.hidden:
            continue
        role = "assistant" if entry.role == "assistant" else "user"
        blocks = _claude_code_blocks(entry) if thread.source_format == "claude-code" else None
        if blocks is None:
            blocks = [{"type": "text", "text": entry.content}] if entry.content else []
        if not blocks:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    return {"system": "\n\n".join(system) or None, "messages": messages}


def _claude_code_blocks(entry: Entry) -> list[dict[str, Any]] | None:
    """The API content blocks of a Claude Code line, or None if it has none."""
    message = entry.item.get("message") if isinstance(entry.item, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        return None
    return [
        block
        for block in content
        if isinstance(block, dict)
        and isinstance(block.get("type"), str)
        and block["type"] in _ANTHROPIC_BLOCKS
        and not (block.get("type") == "text" and not block.get("text"))
    ]


NAME = "openai"
EXPORTS = {"openai": to_openai, "anthropic": to_anthropic}


# -- reading them back: one linear thread a file --


def conversation(
    name: str,
    path: Any,
    nodes: list[Node],
    notes: list[str],
    header: dict[str, Any] | None = None,
) -> Conversation:
    """The messages of an ``openai`` or ``anthropic`` file as one linear thread.

    These lists carry no ids, so the file's messages, as parsed, are their own id: the thread's
    source id is a hash of all of them (the same file again changes nothing; a longer or
    edited list is another thread), and each message is ``message-<n>`` (1-based; the system
    prompt of an ``anthropic`` file is ``system``), chained in file order.
    """
    digest = hashlib.sha256(orjson.dumps([n.item for n in nodes], option=orjson.OPT_SORT_KEYS)).hexdigest()
    chained = [attrs.evolve(node, parent=nodes[i - 1].source_id if i else None) for i, node in enumerate(nodes)]
    source_id = f"sha256:{digest[:32]}"
    return Conversation(
        format=name,
        source_id=source_id,
        title=_title(chained),
        nodes=chained,
        current=chained[-1].source_id if chained else None,
        metadata={"header": header or {}},
        where=f"{Path(path).name} (id {source_id})",
        notes=notes,
    )


def _title(nodes: list[Node]) -> str | None:
    """The first line of the first user message, cut to 80 characters."""
    for node in nodes:
        line = next((s.strip() for s in node.content.splitlines() if s.strip()), "") if node.role == "user" else ""
        if line:
            return line if len(line) <= 80 else line[:79].rstrip() + "…"
    return None


def blocks_text(content: Any) -> str:
    """The readable text of an Anthropic message content (Claude Code lines hold the same): a
    string, or blocks: text, ``name({input})`` for ``tool_use``, a ``tool_result``'s content,
    ``[image <media type>]``, ``[<type>]`` for others; thinking gives no text."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            parts.append(block["text"])
        elif kind == "tool_use":
            arguments = orjson.dumps(block.get("input", {})).decode()
            parts.append(f"{block.get('name', 'tool')}({arguments})")
        elif kind == "tool_result":
            inner = block.get("content")
            parts.append(blocks_text(inner) if not isinstance(inner, str) else inner)
        elif kind == "image":
            given = block.get("source")
            source = given if isinstance(given, dict) else {}
            parts.append(f"[image {source.get('media_type') or ''}]".replace(" ]", "]"))
        elif kind in ("thinking", "redacted_thinking"):
            continue
        elif isinstance(kind, str):
            parts.append(f"[{kind}]")
    return "\n\n".join(parts)


def parts_text(content: Any) -> str:
    """The readable text of a Chat Completions message content: a string, or its parts (text;
    ``[image]`` for an image, ``[<type>]`` for other parts) joined by newlines."""
    if not isinstance(content, list):
        return content if isinstance(content, str) else ""
    pieces = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if isinstance(part, str):
            pieces.append(part)
        elif kind in ("text", "input_text", "output_text") and isinstance(part.get("text"), str):
            pieces.append(part["text"])
        elif kind in ("image_url", "input_image"):
            pieces.append("[image]")
        elif isinstance(kind, str):
            pieces.append(f"[{kind}]")
    return "\n".join(pieces)


def calls_text(calls: Any) -> str:
    """Chat Completions ``tool_calls`` as ``name(arguments)`` lines."""
    lines = []
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            lines.append(f"{function.get('name', 'tool')}({function.get('arguments', '')})")
    return "\n".join(lines)
