"""What a session stores and hands back: an SDK item as an entry (its role and readable
text, :func:`item_role` and :func:`item_text`) and an entry as an item; a branch of the thread
as a :class:`Branch`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import orjson

from ..errors import InvalidInput
from ..records import Entry

__all__ = ["Branch", "entry_item", "item_message", "item_role", "item_text"]


@attrs.frozen
class Branch:
    """One branch of a session's thread, named by its tip (see :meth:`ThreadTreeSession.branches`).

    :ivar leaf_id: the entry at the tip (pass it to :meth:`ThreadTreeSession.switch`).
    :ivar length: how many entries the branch's path holds, root to tip.
    :ivar role: the tip's role.
    :ivar preview: the first line of the tip's text, at most 60 characters.
    :ivar live: whether the tip is the current leaf (after a rewind or a fork the live path
        ends inside the tree, and no branch is live until something is added).
    :ivar created_at: Unix seconds (UTC) when the tip was written.
    """

    leaf_id: int
    length: int
    role: str
    preview: str
    live: bool
    created_at: float


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


def item_message(index: int, item: Any) -> dict[str, Any]:
    """``items[index]`` of an ``add_items`` as a message for :meth:`Store.extend`: the item
    kept as given, its role and text beside it."""
    if not isinstance(item, Mapping):
        raise InvalidInput(f"items[{index}] must be a dict (a Responses API input item), not {type(item).__name__}")
    item = dict(item)
    return {"role": item_role(item), "content": item_text(item), "item": item}


def entry_item(entry: Entry) -> dict[str, Any]:
    """The item an entry stands for; an entry written without one (by another program, an
    import) gives ``{"role", "content"}``, as :meth:`Store.messages` does."""
    item = entry.item
    return item if isinstance(item, dict) else {"role": entry.role, "content": entry.content}
