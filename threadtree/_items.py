"""OpenAI Responses API items (what the Agents SDK keeps in a session) as entries: the role an
item is stored with and its readable text. Used by :mod:`threadtree.agents` (re-exported there)
and by the importer of the SDK's session files, which must work without the SDK installed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

__all__ = ["item_role", "item_text"]


def item_role(item: Mapping[str, Any]) -> str:
    """The role an item is stored with: its ``role`` when it has one (``user``,
    ``assistant``, ``system``, ``developer``); ``tool`` for an output (a ``type`` ending in
    ``_output``: ``function_call_output``, ``computer_call_output``...); ``user`` for an
    ``mcp_approval_response``; ``assistant`` for everything else the model produces
    (``function_call``, ``reasoning``, ``web_search_call``...).

    >>> item_role({"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c"})
    'assistant'
    >>> item_role({"type": "function_call_output", "call_id": "c", "output": "4"})
    'tool'
    """
    role = item.get("role")
    if isinstance(role, str) and role.strip():
        return role
    kind = item.get("type")
    if isinstance(kind, str):
        if kind.endswith("_output"):
            return "tool"
        if kind == "mcp_approval_response":
            return "user"
    return "assistant"


def _parts_text(value: Any) -> str:
    """The text of a message's content or a tool's output: a string, or a list of parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping):
                for key in ("text", "refusal", "transcript"):
                    if isinstance(part.get(key), str):
                        texts.append(part[key])
                        break
                else:
                    kind = part.get("type", "part")
                    name = part.get("filename") or part.get("file_id") or ""
                    texts.append(f"[{kind}{': ' + name if name else ''}]")
        return "\n".join(texts)
    if value is None:
        return ""
    return orjson.dumps(value).decode()


def item_text(item: Mapping[str, Any]) -> str:
    """The readable text of an item, stored as the entry's ``content``: a message's text
    (its parts joined by line breaks, ``[input_image]`` for an image), ``name(arguments)``
    for a tool call, a tool's output, a reasoning item's summary; ``[type]`` when there is no
    text.

    >>> item_text({"role": "user", "content": [{"type": "input_text", "text": "Hi"}]})
    'Hi'
    >>> item_text({"type": "function_call", "name": "add", "arguments": '{"a": 2}', "call_id": "c"})
    'add({"a": 2})'
    """
    if "role" in item or item.get("type") == "message":
        return _parts_text(item.get("content"))
    kind = item.get("type")
    if "name" in item and ("arguments" in item or "input" in item):
        args = item.get("arguments", item.get("input"))
        return f"{item['name']}({args if isinstance(args, str) else _parts_text(args)})"
    if kind == "reasoning":
        parts = [*(item.get("summary") or []), *(item.get("content") or [])]
        return _parts_text(parts)
    if "output" in item:
        return _parts_text(item["output"])
    return f"[{kind}]" if isinstance(kind, str) else ""
