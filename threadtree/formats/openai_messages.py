"""A list of OpenAI Chat Completions messages, as ``threadtree export --format openai`` writes.

The file is a JSON array of messages ``{"role", "content", ...}`` (``tool_calls``,
``tool_call_id``, ``name``...): the input of a Chat Completions call, or a conversation saved
as one. It is read as one linear thread (docs/formats.md section 13):

* one node per message, in array order, each the child of the one before; the item is the
  message exactly, so an ``openai`` export writes it back as it was;
* role: the message's ``role``; ``system`` and ``developer`` messages are hidden (they are
  instructions, not turns);
* text: a string ``content``, or its text parts joined by newlines (``[image]`` for an image
  part), then any ``tool_calls`` as ``name(arguments)`` lines;
* no times (the format has none); the live leaf is the last message; the title is the first
  line of the first user message.

Ids: see :func:`threadtree.formats.chat_api.conversation`. A message that is not an object
with a string ``role`` skips the file, naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import chat_api
from ._model import Conversation, Node, Skipped
from ._reading import first_array_item, first_value, load_json

NAME = "openai"
DESCRIPTION = "OpenAI Chat Completions messages (a JSON array of {role, content}), as exported"

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_KEYS = frozenset(
    {
        "role",
        "content",
        "name",
        "tool_calls",
        "tool_call_id",
        "refusal",
        "function_call",
        "audio",
        "annotations",
    }
)
_HIDDEN = frozenset({"system", "developer"})


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)  # a list there is not hashable
        and value["role"] in _ROLES
        and value.keys() <= _KEYS
    )


def sniff(head: bytes, path: Path) -> bool:
    """A JSON array whose elements are Chat Completions messages: a known ``role`` and only
    message keys (every element when the head is the whole file, else the first)."""
    whole, value = first_value(head, path)
    if whole:
        return isinstance(value, list) and bool(value) and all(_is_message(m) for m in value)
    found, first = first_array_item(head)
    return found and _is_message(first)


def read(path: Path) -> Iterator[Conversation | Skipped]:
    data = load_json(Path(path))
    if isinstance(data, Skipped):
        yield data
        return
    if not isinstance(data, list):
        yield Skipped("file", "OpenAI messages are a JSON array of {role, content} objects")
        return
    nodes = []
    for number, message in enumerate(data, start=1):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str) or not message["role"]:
            yield Skipped(f"message {number}", "not a message: an object with a role is expected")
            return
        text = chat_api.parts_text(message.get("content"))
        calls = chat_api.calls_text(message.get("tool_calls"))
        role = message["role"]
        nodes.append(
            Node(
                f"message-{number}",
                None,
                role,
                "\n".join(p for p in (text, calls) if p),
                message,
                role in _HIDDEN,
            )
        )
    yield chat_api.conversation(NAME, path, nodes, [])
