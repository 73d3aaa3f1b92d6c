"""Anthropic Messages API input, as ``threadtree export --format anthropic`` writes it.

The file is ``{"system": str | [text blocks] | null, "messages": [{"role", "content"}]}``
(a request body's other fields, ``model``, ``max_tokens``..., are allowed and kept in the
header). It is read as one linear thread (docs/formats.md section 13):

* a ``system`` prompt becomes a hidden ``system`` root, id ``system``, item ``{"system": ...}``;
* one node per message, in array order, each the child of the one before; the item is the
  message exactly;
* role: ``user`` or ``assistant``; a user message holding only ``tool_result`` blocks is
  ``tool`` (as in Claude Code transcripts);
* text: a string ``content``, or its blocks read as in Claude Code transcripts
  (:func:`threadtree.formats.chat_api.blocks_text`): text, ``name({input})`` for
  ``tool_use``, the content of ``tool_result``, ``[image <media type>]``; thinking gives none;
* no times; the live leaf is the last message; the title is the first line of the first
  user message.

Ids: see :func:`threadtree.formats.chat_api.conversation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import chat_api
from ._model import Conversation, Node, Skipped
from ._reading import first_object, load_json

NAME = "anthropic"
DESCRIPTION = "Anthropic Messages API input ({system, messages: [{role, content}]}), as exported"

# The fields of a Messages API request; another app's object with "messages" has others.
_FIELDS = frozenset(
    {
        "system",
        "messages",
        "model",
        "max_tokens",
        "metadata",
        "stop_sequences",
        "stream",
        "temperature",
        "top_k",
        "top_p",
        "tools",
        "tool_choice",
        "thinking",
        "service_tier",
    }
)
# For a file larger than the head: how threadtree's export (and a request body) begins.
_START = re.compile(rb'^\s*\{\s*"(?:system|messages|model)"\s*:')
_FIRST_MESSAGE = re.compile(rb'"messages"\s*:\s*\[\s*\{\s*"role"\s*:\s*"(?:user|assistant)"\s*,\s*"content"\s*:')


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("role") in ("user", "assistant")
        and isinstance(value.get("content"), (str, list))
        and value.keys() <= {"role", "content"}
    )


def sniff(head: bytes, path: Path) -> bool:
    """An object of Messages API request fields whose ``messages`` are ``{role, content}`` with
    role user or assistant (an object, not an array: an array of them is not this format)."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not _START.match(head):
        return False
    value = first_object(head, [_FIRST_MESSAGE])
    if not isinstance(value, dict):
        return value is True  # a head cut off before its end: judged by how it begins
    if not value.keys() <= _FIELDS:
        return False
    messages = value.get("messages")
    return isinstance(messages, list) and bool(messages) and all(_is_message(m) for m in messages)


def read(path: Path) -> Iterator[Conversation | Skipped]:
    data = load_json(Path(path))
    if isinstance(data, Skipped):
        yield data
        return
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        yield Skipped("file", "Anthropic Messages input is an object with a messages array")
        return
    nodes = []
    system = data.get("system")
    if system not in (None, "", []):
        nodes.append(Node("system", None, "system", chat_api.blocks_text(system), {"system": system}, True))
    for number, message in enumerate(data["messages"], start=1):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            yield Skipped(f"message {number}", "not a message: an object with role user or assistant is expected")
            return
        content = message.get("content")
        results = (
            isinstance(content, list)
            and bool(content)
            and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
        )
        role = "tool" if message["role"] == "user" and results else message["role"]
        nodes.append(Node(f"message-{number}", None, role, chat_api.blocks_text(content), message))
    header = {k: v for k, v in data.items() if k not in ("messages", "system")}
    yield chat_api.conversation(NAME, path, nodes, [], header)
