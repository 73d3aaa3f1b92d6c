"""LibreChat conversation exports (JSON, one conversation per file).

The file is ``{conversationId, endpoint, title, exportAt, branches, recursive, options,
messages}`` (a JSON array of such objects is read too). It is one JSON value, parsed whole.

Mapping (docs/formats.md section 5):

* One :class:`Conversation`. ``source_id`` = ``conversationId`` (when it is missing, a hash
  of the first message id, with a note); ``metadata["header"]`` = the conversation without
  ``messages``. ``exportAt`` is a bare time of day, so ``created_at``/``updated_at`` are the
  earliest ``createdAt`` and the latest ``updatedAt``/``createdAt`` of the messages.
* ``recursive: true`` nests replies under ``children``: the nesting is flattened and gives
  the parent (as LibreChat's own importer does, it overrides ``parentMessageId``; a
  disagreement is noted). A flat list is linked by ``parentMessageId`` over all messages, so
  a child listed before its parent still gets it. ``"00000000-0000-0000-0000-000000000000"``
  (``NO_PARENT``) and ``null`` make a root; so does a parent that is not in the file (noted).
* One :class:`Node` per message: ``source_id`` = ``messageId`` (a message without one gets
  ``"#<n>"``, its position in the flattened list, with a note), role ``user`` when
  ``isCreatedByUser`` (without it: when ``sender`` is "User"), else ``system`` or ``tool``
  when ``sender`` is "System" or "Tool" (threadtree's export writes those), else
  ``assistant``, content =
  ``text``, or the text parts of ``content`` joined by newlines, ``created_at`` from
  ``createdAt``, ``item`` = the message without ``children``. Nothing is hidden. LibreChat's
  importer drops a message that has neither ``text`` nor ``content`` together with its
  replies; here it is kept with empty text, and a note says so.
* Siblings are ordered by ``createdAt`` then file order (file order alone when some sibling
  has no ``createdAt``). The format has no live-leaf pointer: the live leaf is the most
  recently created leaf, ties (and leaves without ``createdAt``) to the later one in file
  order.

:func:`export` writes a thread as a ``recursive: true`` export with every branch, which
LibreChat's importer reads back into a branching conversation.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._model import EXPORTED_FROM, Conversation, Node, Skipped, exported_id
from ._reading import first_object, json_objects

NAME = "librechat"
DESCRIPTION = "LibreChat conversation export (JSON with conversationId and messages)"

NO_PARENT = "00000000-0000-0000-0000-000000000000"
# Roles LibreChat has no place for, kept through its sender label (a display name).
_SENDER_ROLES = {"system": "System", "tool": "Tool"}
# A message of another app (Open WebUI's {id, role, content}) has none of these.
_MESSAGE_KEYS = frozenset({"messageId", "parentMessageId", "isCreatedByUser", "sender", "text"})
_HEAD_MARKERS = (
    re.compile(rb'"conversationId"\s*:'),
    re.compile(rb'"messages"\s*:\s*\['),
    re.compile(rb'"messageId"\s*:'),
    re.compile(rb'"isCreatedByUser"\s*:'),
)


# -- detection --


def sniff(head: bytes, path: Path) -> bool:
    """Whether ``head`` looks like a LibreChat export: an object with ``conversationId`` and
    a ``messages`` array of ``messageId``/``isCreatedByUser`` messages. The whole file is
    checked structurally when ``head`` holds all of it."""
    first = first_object(head, _HEAD_MARKERS)
    if not isinstance(first, dict):
        return first
    if "conversationId" not in first:
        return False
    messages = first.get("messages")
    return isinstance(messages, list) and all(isinstance(m, dict) and "messageId" in m for m in messages[:1])


# -- reading --


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """The conversation(s) of the file (module docstring for the mapping)."""
    for got in json_objects(Path(path), "a LibreChat export is a JSON object with conversationId and messages"):
        yield got if isinstance(got, Skipped) else _conversation(got[1], got[0])


def _conversation(conv: Any, number: int) -> Conversation | Skipped:
    where = f"conversation {number}"
    if not isinstance(conv, dict):
        return Skipped(where, f"a conversation is a JSON object, not {type(conv).__name__}")
    messages = conv.get("messages")
    if not isinstance(messages, list):
        return Skipped(where, "the conversation has no messages array")
    if messages and not any(isinstance(m, dict) and m.keys() & _MESSAGE_KEYS for m in messages):
        return Skipped(where, f"not a LibreChat conversation: no message has any of {', '.join(sorted(_MESSAGE_KEYS))}")
    notes: list[str] = []
    flat = _flatten(messages, notes)  # [(id, message, nesting parent or _FLAT)]
    if not flat and not _text_or_none(conv.get("conversationId")):
        return Skipped(where, "the conversation has neither a conversationId nor any message")
    source_id = _text_or_none(conv.get("conversationId"))
    if source_id is None:
        notes.append(f"the conversation has no conversationId; its id is a hash of its first message id {flat[0][0]}")
        source_id = "sha256:" + hashlib.sha256(flat[0][0].encode()).hexdigest()[:32]
    where = f"conversation {number} (id {source_id})"

    ids = {key for key, _, _ in flat}
    parents: dict[str, str | None] = {}
    for key, message, nested in flat:
        parents[key] = _parent(key, message, nested, ids, notes)
    times = {key: _seconds(message.get("createdAt")) for key, message, _ in flat}
    position = {key: i for i, (key, _, _) in enumerate(flat)}

    children: dict[str | None, list[str]] = {}
    for key, _, _ in flat:
        children.setdefault(parents[key], []).append(key)
    for kids in children.values():
        if all(times[k] is not None for k in kids):
            kids.sort(key=lambda k: (times[k], position[k]))
    order = _preorder(children, [key for key, _, _ in flat])

    items = {key: message for key, message, _ in flat}
    nodes = [_node(key, items[key], parents[key], times[key], notes) for key in order]
    leaves = [key for key in position if key not in children]
    current = max(leaves, key=lambda k: (_or_minus_inf(times[k]), position[k])) if leaves else None
    stamps = [t for t in times.values() if t is not None]
    edits = [_seconds(m.get("updatedAt")) for m in items.values()]
    updates = [t for t in edits if t is not None] + stamps
    return Conversation(
        format=NAME,
        source_id=source_id,
        title=_text_or_none(conv.get("title")),
        nodes=nodes,
        current=current,
        metadata={"header": {k: v for k, v in conv.items() if k != "messages"}},
        exported_from=conv.get(EXPORTED_FROM) if isinstance(conv.get(EXPORTED_FROM), str) else None,
        created_at=min(stamps) if stamps else None,
        updated_at=max(updates) if updates else None,
        where=where,
        notes=notes,
    )


_FLAT = object()  # "not nested": the parent comes from parentMessageId


def _flatten(messages: list, notes: list[str]) -> list[tuple[str, dict, Any]]:
    """Every message once, in file order (a nested message right after its parent), with
    the message it is nested under (``None`` at the top of a nesting, ``_FLAT`` when the
    message carries no ``children`` structure around it)."""
    nested = any(isinstance(m, dict) and isinstance(m.get("children"), list) for m in messages)
    flat: list[tuple[str, dict, Any]] = []
    stack: list[tuple[Any, Any]] = [(m, _FLAT) for m in reversed(messages)]
    while stack:
        message, parent = stack.pop()
        if not isinstance(message, dict):
            notes.append(f"message {len(flat) + 1}: not an object ({type(message).__name__}); left out")
            continue
        key = message.get("messageId")
        if not isinstance(key, str) or not key:
            key = f"#{len(flat) + 1}"
            notes.append(f"message {key}: no messageId; given its position in the file as id")
        flat.append((key, message, parent))
        kids = message.get("children")
        if isinstance(kids, list):
            stack.extend((child, key) for child in reversed(kids))
    if not nested:
        return flat
    return [(key, message, None if parent is _FLAT else parent) for key, message, parent in flat]


def _parent(key: str, message: dict, nested: Any, ids: set[str], notes: list[str]) -> str | None:
    pointer = message.get("parentMessageId")
    if pointer in (None, "", NO_PARENT):
        pointer = None
    if nested is not _FLAT and nested is not None:
        if pointer is not None and pointer != nested:
            notes.append(
                f"message {key}: parentMessageId {pointer} differs from its nesting under {nested}; used the nesting"
            )
        return nested
    if pointer is None:
        return None
    if not isinstance(pointer, str) or pointer not in ids:
        notes.append(f"message {key}: parent {pointer} is not in the conversation; made a root")
        return None
    return pointer


def _preorder(children: dict[str | None, list[str]], keys: list[str]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()
    stack = list(reversed(children.get(None, [])))
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        order.append(key)
        stack.extend(reversed(children.get(key, [])))
    order.extend(k for k in keys if k not in seen)  # parent cycles: the engine repairs them
    return order


def _node(key: str, message: dict, parent: str | None, created: float | None, notes: list[str]) -> Node:
    item = {k: v for k, v in message.items() if k != "children"}
    if "text" not in message and "content" not in message:
        notes.append(f"message {key}: neither text nor content; kept with empty text (LibreChat's importer drops it)")
    return Node(
        source_id=key,
        parent=parent,
        role=_role(message),
        content=_message_text(message),
        item=item,
        created_at=created,
    )


def _role(message: dict) -> str:
    """``user`` or ``assistant`` (LibreChat has no other roles), except that a reply whose
    ``sender`` is "System" or "Tool" (what :func:`export` writes for those roles) has that role."""
    if _by_user(message):
        return "user"
    sender = message.get("sender")
    role = sender.lower() if isinstance(sender, str) else None
    return role if role in _SENDER_ROLES else "assistant"


def _by_user(message: dict) -> bool:
    """``isCreatedByUser``; when a message lacks it, whether ``sender`` is "User"."""
    flag = message.get("isCreatedByUser")
    if isinstance(flag, bool):
        return flag
    sender = message.get("sender")
    return isinstance(sender, str) and sender.lower() == "user"


def _message_text(message: dict) -> str:
    """``text`` when it is a non-empty string, else the text parts of ``content`` joined by
    newlines (a part's ``text`` is a string, or ``{"value": ...}`` in Assistants messages)."""
    text = message.get("text")
    if isinstance(text, str) and text:
        return text
    content = message.get("content")
    if isinstance(content, str):
        return content
    parts = []
    for part in content if isinstance(content, list) else ():
        if isinstance(part, dict) and part.get("type") == "text":
            value = part.get("text")
            value = value.get("value") if isinstance(value, dict) else value
            if isinstance(value, str):
                parts.append(value)
    return "\n".join(parts) if parts else (text if isinstance(text, str) else "")


def _seconds(value: Any) -> float | None:
    """Unix seconds from an ISO 8601 string (``...Z``) or a number of milliseconds."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000 if value > 1e11 else float(value)
    return None


def _or_minus_inf(value: float | None) -> float:
    return float("-inf") if value is None else value


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- export --


def export(thread: Any, entries: list[Any]) -> dict[str, Any]:
    """The thread as a LibreChat export: ``recursive: true``, every branch nested under
    ``children`` in sibling order, ``branches: true``.

    Entries imported from LibreChat are written back from their ``item`` with
    ``parentMessageId`` rewritten to threadtree's tree (``NO_PARENT`` for a root); other
    entries get a message built from role, text and time, whose ``messageId`` is the entry's
    ``source_id`` or a UUID derived from the thread and entry ids. LibreChat has no live-leaf
    field and no roles but user/assistant: a ``system`` or ``tool`` entry is written as a reply
    whose ``sender`` (the name LibreChat shows) is "System" or "Tool", which :func:`read` turns
    back into the role; other roles come back as ``assistant``. LibreChat's importer drops a
    message with empty text together with its replies.
    """
    kept = thread.metadata.get("source") if isinstance(thread.metadata, dict) else None
    # what the import from LibreChat kept, None for a thread from elsewhere
    source = kept if thread.source_format == NAME and isinstance(kept, dict) else None
    ours = source is not None
    kept_header = source.get("header") if source is not None else None
    header = copy.deepcopy(kept_header) if isinstance(kept_header, dict) else {}
    conversation_id = header.get("conversationId") or (thread.source_id if ours else None) or thread.id
    ids = {e.id: e.source_id or exported_id(thread.id, e.id) for e in entries}

    nested: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for entry in entries:  # id order: a parent is always met before its children
        parent = NO_PARENT if entry.parent_id is None else ids[entry.parent_id]
        item = entry.item
        if ours and isinstance(item, dict) and "messageId" in item:
            message = {k: v for k, v in copy.deepcopy(item).items() if k != "children"}
            message.update(messageId=ids[entry.id], parentMessageId=parent)
        else:
            message = {
                "messageId": ids[entry.id],
                "parentMessageId": parent,
                "conversationId": conversation_id,
                "sender": "User" if entry.role == "user" else _SENDER_ROLES.get(entry.role, "Assistant"),
                "isCreatedByUser": entry.role == "user",
                "text": entry.content,
                "createdAt": datetime.fromtimestamp(entry.created_at, timezone.utc)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
            }
        message["children"] = []
        nested[entry.id] = message
        (roots if entry.parent_id is None else nested[entry.parent_id]["children"]).append(message)
    return {
        "conversationId": conversation_id,
        **{k: v for k, v in header.items() if k not in ("conversationId", "messages")},
        "title": thread.title or header.get("title") or "New Chat",
        "branches": True,
        "recursive": True,
        **({} if ours else {EXPORTED_FROM: thread.id}),  # for a re-import to find the thread
        "messages": roots,
    }
