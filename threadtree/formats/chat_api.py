"""Exporters for model APIs: the live path as OpenAI Chat Completions or Anthropic Messages input.

Both write the **live path** (root to the current leaf) and leave hidden entries out, except
that system prompts, hidden or not, become the system prompt:

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
"""

from __future__ import annotations

from typing import Any

from ..records import Entry, Thread

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
        isinstance(item, dict) and item.get("role") in _OPENAI_ROLES and item.keys() <= _OPENAI_KEYS
        and (item["role"] != "tool" or "tool_call_id" in item)
    )


def to_openai(thread: Thread, entries: list[Entry]) -> list[dict[str, Any]]:
    messages = []
    for entry in _live_path(thread, entries):
        if entry.hidden and entry.role != "system":
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
        block for block in content
        if isinstance(block, dict) and block.get("type") in _ANTHROPIC_BLOCKS
        and not (block.get("type") == "text" and not block.get("text"))
    ]


NAME = "openai"
EXPORTS = {"openai": to_openai, "anthropic": to_anthropic}
