"""Chatbot UI export (mckaywrigley/chatbot-ui, the legacy v1 app, ``version`` 4).

docs/formats.md section 11. The file is ``{version, history[{id, name, messages[{role, content}],
model{id, ...}, prompt, temperature, folderId}], folders[], prompts[]}``.

How it maps onto threadtree:

* One ``history[]`` item = one thread, keyed by its ``id``; title = ``name``. The header is
  the item without ``messages``; the file's ``version`` is kept as
  ``metadata["export_version"]`` and the item's folder (from ``folders[]``, when ``folderId``
  names one) as ``metadata["folder"]``. The file's ``prompts[]`` library is not imported.
* A non-empty ``prompt`` (the conversation's system prompt, sent before the messages) becomes
  a hidden ``system`` root with the id ``prompt`` and the prompt as text; its item is
  ``{"prompt": <prompt>}``.
* The messages are a chain in array order (the format has no tree). Each message is a node
  with the id ``message-<i>`` (its 0-based index: the format has no message ids, and the app
  only appends), the message as its item and ``content`` as its text.
* Role: ``user``, ``assistant`` and ``system`` as written, anything else -> other (noted).
* The format has no timestamps: every time is ``None``.
* Live leaf: the last message.
* An item that is not an object, has no ``id`` or whose ``messages`` is not an array is
  skipped (``Skipped("conversation <n>", ...)``, ``n`` 1-based); the others are read.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

from ._model import Conversation, Node, Skipped
from ._reading import first_value, head_text, load_json

NAME = "chatbotui"
DESCRIPTION = "Chatbot UI export ({version, history: [{id, name, messages}]})"

PROMPT_ID = "prompt"
_ROLES = {"user", "assistant", "system"}


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """An object with a numeric ``version`` and a ``history`` *array* of items with ``messages``
    (Open WebUI's ``history`` is an object). For a larger file, the head must open with
    ``{"version": <n>, "history": [``."""
    whole, value = first_value(head, path)
    if whole:
        return (
            isinstance(value, dict)
            and isinstance(value.get("version"), int)
            and isinstance(value.get("history"), list)
            and all(isinstance(item, dict) and isinstance(item.get("messages"), list) for item in value["history"])
        )
    text = "".join(head_text(head).split())
    return text.startswith('{"version":') and '"history":[{' in text and '"messages":[' in text


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The conversations of a Chatbot UI export (see the module docstring)."""
    data = load_json(path)
    if isinstance(data, Skipped):
        yield data
        return
    if not isinstance(data, dict) or not isinstance(data.get("history"), list):
        yield Skipped("file", "a Chatbot UI export is an object with a history array")
        return
    listed = data.get("folders")
    folders = {
        folder["id"]: folder
        for folder in (listed if isinstance(listed, list) else [])
        if isinstance(folder, dict) and isinstance(folder.get("id"), str)
    }
    for index, item in enumerate(data["history"], start=1):
        yield _conversation(index, item, data.get("version"), folders)


def _conversation(index: int, item: Any, version: Any, folders: dict[str, Any]) -> Conversation | Skipped:
    where = f"conversation {index}"
    if not isinstance(item, dict):
        return Skipped(where, "the history item is not a JSON object")
    source_id = item.get("id")
    if not isinstance(source_id, str) or not source_id:
        return Skipped(where, "the history item has no id")
    where = f"{where} (id {source_id})"
    messages = item.get("messages")
    if not isinstance(messages, list):
        return Skipped(where, "messages is not an array")
    notes: list[str] = []
    nodes: list[Node] = []
    previous = None
    prompt = item.get("prompt")
    if isinstance(prompt, str) and prompt:
        nodes.append(Node(PROMPT_ID, None, "system", prompt, {"prompt": prompt}, hidden=True))
        previous = PROMPT_ID
    for position, message in enumerate(messages):
        node_id = f"message-{position}"
        if not isinstance(message, dict):
            notes.append(f"message {position}: not a JSON object; skipped")
            continue
        role = message.get("role")
        if not isinstance(role, str) or role not in _ROLES:
            notes.append(f"node {node_id}: unknown role {role!r}; role other")
            role = "other"
        content = message.get("content")
        nodes.append(Node(node_id, previous, role, content if isinstance(content, str) else "", message))
        previous = node_id
    metadata: dict[str, Any] = {
        "header": {key: value for key, value in item.items() if key != "messages"},
        "export_version": version,
    }
    folder_id = item.get("folderId")
    if isinstance(folder_id, str) and folder_id in folders:
        metadata["folder"] = folders[folder_id]
    name = item.get("name")
    return Conversation(
        format=NAME,
        source_id=source_id,
        title=name if isinstance(name, str) and name else None,
        nodes=nodes,
        current=previous,
        metadata=metadata,
        where=where,
        notes=notes,
    )
