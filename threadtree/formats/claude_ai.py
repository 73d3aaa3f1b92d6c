"""Claude.ai data export (``conversations.json`` of Settings > Privacy > Export data).

docs/formats.md section 6. The file is a JSON array of conversations ``{uuid, name, summary?,
created_at, updated_at, account, chat_messages[]}``; each message is ``{uuid, text, content[],
sender, created_at, updated_at, attachments[], files[]}`` (and, in 2026 exports,
``parent_message_uuid``).

How it maps onto threadtree:

* One conversation = one thread, keyed by the conversation ``uuid``; title = ``name`` (an empty
  name gives ``None``). The header is the conversation without ``chat_messages``.
* One message = one node, keyed by its ``uuid`` (a message without one gets ``message-<i>``,
  its 0-based index in ``chat_messages``, and a note). The node's item is the message as parsed.
* The tree. When the messages carry ``parent_message_uuid`` it is used as is; the sentinel
  ``00000000-0000-4000-8000-000000000000`` (and ``null``) makes a root. Without it (every export
  up to mid-2025) the messages form a chain in array order: the export keeps abandoned edits and
  retries in that chain and gives no way to know where they branched, so no parent is invented;
  runs of consecutive messages of the same sender are reported in the notes as likely hidden
  edits or retries.
* Role: ``human`` -> ``user``, ``assistant`` -> ``assistant``, anything else -> ``other``
  (noted). Nothing is hidden: the export has no system or tool messages of its own (tool use
  lives in content blocks inside an assistant message).
* Text: the ``text`` blocks of ``content`` joined by blank lines, because ``text`` itself may
  have the ``thinking`` glued in front of the answer. Without any ``text`` block, ``text`` is used
  unless the message has ``thinking`` blocks (then the text is empty: thinking is kept in the item
  only). Thinking, tool use, attachments and files stay in the item.
* Times: ``created_at`` (ISO-8601) of messages and conversations; ``updated_at`` of the
  conversation.
* Live leaf: the export has no pointer, so it is the newest leaf by message ``updated_at`` (else
  ``created_at``), later in the array winning ties: in a linear chain, the last message.
* The array is parsed one conversation at a time (an export can be hundreds of MB), so a
  syntax error reports its line and column after the conversations before it were read.
* A conversation with no messages is imported as an empty thread (with a note): it exists in
  the user's account with its title and dates, and keeping it makes the thread count match the
  export. A conversation that is not an object or has no ``uuid`` is skipped
  (``Skipped("conversation <n>", ...)``, ``n`` 1-based); the others are still read.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

from ._model import Conversation, Node, Skipped
from ._reading import first_array_item, iso_seconds, iter_json_array, newest_leaf

NAME = "claude-ai"
DESCRIPTION = "Claude.ai data export (conversations.json: an array of chat_messages conversations)"

ROOT_PARENT = "00000000-0000-4000-8000-000000000000"
_ROLES = {"human": "user", "assistant": "assistant"}
_CONVERSATION_KEYS = {"uuid", "chat_messages"}


def sniff(head: bytes, path: pathlib.Path) -> bool:
    """An array whose first element is a conversation with ``uuid`` and ``chat_messages``.

    When the first conversation is larger than the head, the head must still show a
    ``chat_messages`` array and a ``sender`` of ``human``/``assistant``, and no ChatGPT
    ``mapping``.
    """
    found, item = first_array_item(head)
    if found:
        return (
            isinstance(item, dict)
            and _CONVERSATION_KEYS <= item.keys()
            and isinstance(item["chat_messages"], list)
            and "mapping" not in item
        )
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        text.startswith(b"[")
        and b'"chat_messages"' in text
        and (b'"sender": "human"' in text or b'"sender":"human"' in text)
        and b'"mapping"' not in text
    )


def read(path: pathlib.Path) -> Iterator[Conversation | Skipped]:
    """The conversations of a Claude.ai export, one at a time (see the module docstring)."""
    for got in iter_json_array(path, "a Claude.ai export (a JSON array of conversations)"):
        yield got if isinstance(got, Skipped) else _conversation(got[0] + 1, got[1])


def _conversation(index: int, raw: Any) -> Conversation | Skipped:
    where = f"conversation {index}"
    if not isinstance(raw, dict):
        return Skipped(where, "the conversation is not a JSON object")
    uuid = raw.get("uuid")
    if not isinstance(uuid, str) or not uuid:
        return Skipped(where, "the conversation has no uuid")
    where = f"{where} (id {uuid})"
    messages = raw.get("chat_messages", [])
    if not isinstance(messages, list):
        return Skipped(where, "chat_messages is not an array")
    notes: list[str] = []
    nodes = _nodes(messages, notes)
    if not nodes:
        notes.append("the conversation has no messages; imported as an empty thread")
    header = {key: value for key, value in raw.items() if key != "chat_messages"}
    name = raw.get("name")
    return Conversation(
        format=NAME,
        source_id=uuid,
        title=name if isinstance(name, str) and name else None,
        nodes=nodes,
        current=newest_leaf(nodes, _updated_or_created),
        metadata={"header": header},
        created_at=iso_seconds(raw.get("created_at")),
        updated_at=iso_seconds(raw.get("updated_at")),
        where=where,
        notes=notes,
    )


def _nodes(messages: list[Any], notes: list[str]) -> list[Node]:
    tree = any(isinstance(m, dict) and "parent_message_uuid" in m for m in messages)
    nodes: list[Node] = []
    previous: str | None = None
    previous_sender: Any = None
    run: list[str] = []
    for position, message in enumerate(messages):
        if not isinstance(message, dict):
            notes.append(f"message {position}: not a JSON object; skipped")
            continue
        source_id = message.get("uuid")
        if not isinstance(source_id, str) or not source_id:
            source_id = f"message-{position}"
            notes.append(f"message {position}: no uuid; given the id {source_id}")
        if tree and "parent_message_uuid" in message:
            parent = message["parent_message_uuid"]
            if parent == ROOT_PARENT or not isinstance(parent, str) or not parent:
                parent = None
        else:
            if tree:
                notes.append(f"node {source_id}: no parent_message_uuid; chained to the message before it")
            parent = previous
        sender = message.get("sender")
        role = _ROLES.get(sender, "other") if isinstance(sender, str) else "other"
        if role == "other":
            notes.append(f"node {source_id}: unknown sender {sender!r}; role other")
        if not tree:
            if sender == previous_sender and run:
                run.append(source_id)
            else:
                _note_run(run, notes)
                run = [source_id]
        nodes.append(
            Node(
                source_id=source_id,
                parent=parent,
                role=role,
                content=message_text(message),
                item=message,
                created_at=iso_seconds(message.get("created_at")),
            )
        )
        previous, previous_sender = source_id, sender
    _note_run(run, notes)
    return nodes


def _note_run(run: list[str], notes: list[str]) -> None:
    if len(run) > 1:
        notes.append(
            f"nodes {', '.join(run)}: consecutive messages of one sender; all but the last are "
            "likely edits or retries whose branch the export does not record (kept in a chain)"
        )


def message_text(message: dict[str, Any]) -> str:
    """The readable text of a message: its ``text`` blocks, else ``text`` (see the module docstring)."""
    blocks = message.get("content")
    blocks = [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []
    texts = [b["text"] for b in blocks if b.get("type") == "text" and isinstance(b.get("text"), str)]
    if texts:
        return "\n\n".join(texts)
    if any(b.get("type") == "thinking" for b in blocks):
        return ""
    text = message.get("text")
    return text if isinstance(text, str) else ""


def _updated_or_created(node: Node) -> float | None:
    moment = iso_seconds(node.item.get("updated_at"))
    return moment if moment is not None else node.created_at
