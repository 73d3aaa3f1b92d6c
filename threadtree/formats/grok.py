"""Grok (grok.com) data export.

docs/formats.md section 8. The file is ``{conversations: [{conversation: {...}, responses:
[{response: {...}, share_link}]}]}``.

How it maps onto threadtree:

* One ``conversations[]`` element = one thread, keyed by ``conversation.conversation_id``;
  title = ``conversation.title``; times from ``create_time`` and ``modify_time`` (ISO-8601).
  The header is the ``conversation`` object (the element without ``responses``).
* One ``responses[]`` element = one node keyed by ``response.response_id``; its item is the
  whole element (``{response, share_link}``) so nothing is lost. A response without an id gets
  ``response-<i>`` (its 0-based index) and a note.
* The tree comes from ``parent_response_id`` (``null`` = a root). Siblings keep the order of
  ``responses[]`` (the export's only order).
* Role: ``sender`` lower-cased (the export mixes ``"human"`` and ``"ASSISTANT"``): ``human`` and
  ``user`` -> user, ``assistant`` -> assistant, anything else -> other (noted). Nothing is
  hidden; ``thinking_trace``, search results, attachments and steps stay in the item.
* Text: ``response.message``.
* Live leaf: ``leaf_response_id`` when it names a response without children; otherwise (null,
  unknown, or an inner response: noted) the newest leaf by ``create_time``.
* A malformed element (not an object, no ``conversation`` object or no ``conversation_id``,
  ``responses`` not an array) is skipped with ``Skipped("conversation <n>", ...)`` (``n``
  1-based) and the others are read.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

from ._model import Conversation, Node, Skipped
from ._reading import first_value, head_text, iso_seconds, load_json, newest_leaf

NAME = "grok"
DESCRIPTION = "Grok (grok.com) data export ({conversations: [{conversation, responses}]})"

_ROLES = {"human": "user", "user": "user", "assistant": "assistant"}


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """An object whose ``conversations`` elements hold a ``conversation`` and ``responses``.

    For a file larger than the head: the text must open with ``{"conversations": [{`` and show
    ``"responses"`` and ``"response_id"``.
    """
    whole, value = first_value(head, path)
    if whole:
        if not isinstance(value, dict) or not isinstance(value.get("conversations"), list):
            return False
        items = value["conversations"]
        return bool(items) and all(
            isinstance(item, dict) and isinstance(item.get("conversation"), dict) and "responses" in item
            for item in items
        )
    text = "".join(head_text(head).split())
    return text.startswith('{"conversations":[{') and '"responses":[' in text and '"response_id":' in text


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The conversations of a Grok export (see the module docstring)."""
    data = load_json(path)
    if isinstance(data, Skipped):
        yield data
        return
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        yield Skipped("file", "a Grok export is an object with a conversations array")
        return
    for index, raw in enumerate(data["conversations"], start=1):
        yield _conversation(index, raw)


def _conversation(index: int, raw: Any) -> Conversation | Skipped:
    where = f"conversation {index}"
    if not isinstance(raw, dict) or not isinstance(raw.get("conversation"), dict):
        return Skipped(where, "the element has no conversation object")
    header = raw["conversation"]
    source_id = header.get("conversation_id")
    if not isinstance(source_id, str) or not source_id:
        return Skipped(where, "the conversation has no conversation_id")
    where = f"{where} (id {source_id})"
    responses = raw.get("responses", [])
    if not isinstance(responses, list):
        return Skipped(where, "responses is not an array")
    notes: list[str] = []
    nodes: list[Node] = []
    for position, element in enumerate(responses):
        response = element.get("response") if isinstance(element, dict) else None
        if not isinstance(response, dict):
            notes.append(f"response {position}: no response object; skipped")
            continue
        node_id = response.get("response_id")
        if not isinstance(node_id, str) or not node_id:
            node_id = f"response-{position}"
            notes.append(f"response {position}: no response_id; given the id {node_id}")
        parent = response.get("parent_response_id")
        if parent is not None and not isinstance(parent, str):
            notes.append(f"node {node_id}: parent_response_id {parent!r} is not a string; made a root")
            parent = None
        sender = response.get("sender")
        role = _ROLES.get(sender.lower(), "other") if isinstance(sender, str) else "other"
        if role == "other":
            notes.append(f"node {node_id}: unknown sender {sender!r}; role other")
        message = response.get("message")
        nodes.append(
            Node(
                source_id=node_id,
                parent=parent or None,
                role=role,
                content=message if isinstance(message, str) else "",
                item=element,
                created_at=iso_seconds(response.get("create_time")),
            )
        )
    title = header.get("title")
    return Conversation(
        format=NAME,
        source_id=source_id,
        title=title if isinstance(title, str) and title else None,
        nodes=nodes,
        current=_current(header.get("leaf_response_id"), nodes, notes),
        metadata={"header": header},
        created_at=iso_seconds(header.get("create_time")),
        updated_at=iso_seconds(header.get("modify_time")),
        where=where,
        notes=notes,
    )


def _current(pointer: Any, nodes: list[Node], notes: list[str]) -> str | None:
    if pointer is None:
        return newest_leaf(nodes)
    parents = {node.parent for node in nodes}
    named = isinstance(pointer, str)  # a list there is not hashable
    if named and pointer in {node.source_id for node in nodes} and pointer not in parents:
        return pointer
    fallback = newest_leaf(nodes)
    reason = "has children" if named and pointer in parents else "is not a response of the conversation"
    notes.append(f"leaf_response_id {pointer!r} {reason}; the newest leaf {fallback} is the live leaf")
    return fallback
