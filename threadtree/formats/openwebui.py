"""Open WebUI chat exports ("Export -> JSON", "Export all chats") and the DB's ``chat`` column.

Containers accepted: a JSON array of chat rows ``{id, user_id, title, chat, created_at,
updated_at, ...}`` (what both export buttons write), a single row, or a bare ``chat`` object
(the value of the database column, whose ``id`` is often ``""``); a row whose ``chat`` is a
JSON string (a database dump) is parsed, with a note. The file is one JSON value, so it is
parsed whole; rows are then converted and handed over one at a time.

Mapping (docs/formats.md section 4):

* One :class:`Conversation` per chat. ``source_id`` is the row's ``id``, else ``chat.id``;
  when both are empty (the column value) it is ``"sha256:"`` + a hash of the chat's first
  message id (object-key order is creation order, so the id does not change when the chat
  grows), and a note says so.
* One :class:`Node` per value of ``chat.history.messages``: ``source_id`` = its key,
  ``parent`` = ``parentId``, ``role`` = ``role`` (anything but user/assistant/system/tool is
  ``other``), ``content`` = ``content`` with every ``<details ...>...</details>`` block
  (reasoning, tool calls) removed, like Open WebUI's own ``removeDetails``, and the
  whitespace around them trimmed (content without such a block is kept exactly; the full
  content stays in ``item``, which is the message object exactly), ``created_at`` =
  ``timestamp`` (seconds). System messages are hidden. A value that is not an object cannot be a message:
  it is left out with a note; an ``id`` field that differs from the key is noted.
* The tree comes from ``parentId`` only. Siblings are ordered by the parent's
  ``childrenIds``, then any other children in object-key order; roots (``parentId`` null;
  editing the first message makes a second root) are in object-key order.
* Repairs (section 4.3), each reported in ``Conversation.notes``: ``childrenIds`` entries
  that name no message, or a message whose ``parentId`` is elsewhere, are ignored; a
  ``parentId`` that names no message makes the node a root (``item`` keeps the pointer).
* The live leaf is the first of ``history.currentId``, ``chat.currentId``,
  ``chat.branchPointMessageId``, the row's ``current_message_id`` and the last message of
  ``chat.messages`` (Open WebUI's ``get_current_message_id`` order) that names a message;
  failing all, the newest message (by ``timestamp``, ties to the later key) of the largest
  root tree, followed down its last children to a leaf, as Open WebUI's repair does.
* ``metadata["header"]`` is the row without ``chat.history`` and ``chat.messages`` (the rest
  of ``chat`` is kept); ``metadata["container"]`` is ``"row"`` or ``"chat"``.

:func:`export` writes a thread back as a one-row export list that Open WebUI can import,
with every branch in ``history`` and ``chat.messages`` regenerated from the live path.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ._model import EXPORTED_FROM, Conversation, Node, Skipped, exported_id
from ._reading import first_object, json_objects

NAME = "openwebui"
DESCRIPTION = "Open WebUI chat export (JSON array of chats, one chat row, or the DB 'chat' value)"

_ROLES = frozenset({"user", "assistant", "system", "tool"})
# Innermost <details> first, so nested blocks (a tool call inside reasoning) go too.
_DETAILS = re.compile(r"<details\b[^>]*>(?:(?!<details\b).)*?</details>", re.S | re.I)
_HEAD_MARKERS = (
    re.compile(rb'"history"\s*:\s*\{'),
    re.compile(rb'"childrenIds"\s*:\s*\['),
    re.compile(rb'"parentId"\s*:'),
)
# The pointers Open WebUI's backend tries, in its order, for the live leaf.
_POINTERS = (
    ("history", "currentId"),
    ("chat", "currentId"),
    ("chat", "branchPointMessageId"),
    ("row", "current_message_id"),
)


# -- detection --


def sniff(head: bytes, path: Path) -> bool:
    """Whether ``head`` looks like an Open WebUI export: chats with a ``history`` of messages
    linked by ``parentId``/``childrenIds``. The whole file is checked structurally when
    ``head`` holds all of it; a longer file is judged by those keys in its first MiB."""
    first = first_object(head, _HEAD_MARKERS)
    if not isinstance(first, dict):
        return first
    inner = first.get("chat")
    chat = inner if isinstance(inner, dict) else first
    history = chat.get("history")
    return isinstance(history, dict) and isinstance(history.get("messages"), dict)


# -- reading --


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """The chats of the file, one :class:`Conversation` each (module docstring for the
    mapping); a chat without a ``history.messages`` object is :class:`Skipped`."""
    for got in json_objects(Path(path), "an Open WebUI export is a JSON array of chats or one chat object"):
        yield got if isinstance(got, Skipped) else _conversation(got[1], got[0])


def _conversation(row: Any, number: int) -> Conversation | Skipped:
    where = f"chat {number}"
    if not isinstance(row, dict):
        return Skipped(where, f"a chat is a JSON object, not {type(row).__name__}")
    notes: list[str] = []
    if isinstance(row.get("chat"), str):  # a database dump keeps the column as JSON text
        try:
            row = {**row, "chat": orjson.loads(row["chat"])}
        except orjson.JSONDecodeError as exc:
            return Skipped(where, f"the chat column is not valid JSON: {exc.msg}")
        notes.append("the chat was a JSON string; parsed it")
    container = "row" if isinstance(row.get("chat"), dict) else "chat"
    chat = row["chat"] if container == "row" else row
    history = chat.get("history")
    messages = history.get("messages") if isinstance(history, dict) else None
    if not isinstance(messages, dict):
        return Skipped(where, "the chat has no history.messages object")
    source_id = _chat_id(row, chat, messages, notes)
    if source_id is None:
        return Skipped(where, "the chat has neither an id nor any message")
    where = f"chat {number} (id {source_id})"

    items = {}
    for key, message in messages.items():
        if isinstance(message, dict):
            items[key] = message
            if "id" in message and message["id"] != key:
                notes.append(f"message {key}: its id field is {message['id']!r}; the key is its id")
        else:
            notes.append(f"message {key}: not an object ({type(message).__name__}); left out")
    parents = _parents(items, notes)
    children = _children(items, parents, notes)
    order = _preorder(items, parents, children)
    nodes = [_node(key, items[key], parents[key]) for key in order]
    current = _current(row, chat, history, items, parents, children, notes)
    return Conversation(
        format=NAME,
        source_id=source_id,
        title=_text_or_none(row.get("title")) or _text_or_none(chat.get("title")),
        nodes=nodes,
        current=current,
        metadata={"header": _header(row, container), "container": container},
        exported_from=row.get(EXPORTED_FROM) if isinstance(row.get(EXPORTED_FROM), str) else None,
        created_at=_seconds(row.get("created_at")) if container == "row" else _seconds(chat.get("timestamp")),
        updated_at=_seconds(row.get("updated_at")) if container == "row" else None,
        where=where,
        notes=notes,
    )


def _chat_id(row: dict, chat: dict, messages: dict, notes: list[str]) -> str | None:
    for candidate in (row.get("id"), chat.get("id")):
        if isinstance(candidate, str) and candidate:
            return candidate
    if not messages:
        return None
    first = next(iter(messages))
    notes.append(f"the chat has no id; its id is a hash of its first message id {first}")
    return "sha256:" + hashlib.sha256(first.encode()).hexdigest()[:32]


def _parents(items: dict[str, dict], notes: list[str]) -> dict[str, str | None]:
    """Each message's parent by ``parentId``; one that names no message makes a root."""
    parents: dict[str, str | None] = {}
    for key, message in items.items():
        parent = message.get("parentId")
        if parent is not None and not isinstance(parent, str):
            notes.append(f"message {key}: parentId {parent!r} is not a string; made a root")
            parent = None
        elif parent is not None and parent not in items:
            notes.append(f"message {key}: parent {parent} is not in the chat; made a root")
            parent = None
        parents[key] = parent
    return parents


def _children(items: dict[str, dict], parents: dict[str, str | None], notes: list[str]) -> dict[str | None, list[str]]:
    """Children of each message (``None``: the roots) in the source's sibling order."""
    by_parent: dict[str | None, list[str]] = {}
    for key, parent in parents.items():
        by_parent.setdefault(parent, []).append(key)
    ordered: dict[str | None, list[str]] = {None: by_parent.get(None, [])}
    for key, message in items.items():
        actual = by_parent.get(key, [])
        listed = message.get("childrenIds")
        listed = [c for c in listed if isinstance(c, str)] if isinstance(listed, list) else []
        kids: list[str] = []
        for child in dict.fromkeys(listed):
            if child not in items:
                notes.append(f"message {key}: childrenIds lists {child}, which is not in the chat; dropped")
            elif parents[child] != key:
                notes.append(f"message {key}: childrenIds lists {child}, whose parent is {parents[child]}; ignored")
            else:
                kids.append(child)
        missing = [child for child in actual if child not in kids]
        if missing:
            notes.append(
                f"message {key}: childrenIds lacks {', '.join(missing)} (children by parentId); "
                "placed after the listed ones"
            )
        if actual:
            ordered[key] = kids + missing
    return ordered


def _preorder(
    items: dict[str, dict], parents: dict[str, str | None], children: dict[str | None, list[str]]
) -> list[str]:
    """Roots first, each followed by its subtree, siblings in order; messages on a parent
    cycle (unreachable from a root) come last in key order for the engine to repair."""
    order: list[str] = []
    seen: set[str] = set()
    stack = list(reversed(children[None]))
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        seen.add(key)
        order.append(key)
        stack.extend(reversed(children.get(key, [])))
    order.extend(key for key in items if key not in seen)
    return order


def _node(key: str, message: dict, parent: str | None) -> Node:
    role = message.get("role")
    role = role if isinstance(role, str) and role in _ROLES else "other"
    return Node(
        source_id=key,
        parent=parent,
        role=role,
        content=_plain_text(message.get("content")),
        item=message,
        hidden=role == "system",
        created_at=_seconds(message.get("timestamp")),
    )


def _plain_text(content: Any) -> str:
    """The readable text of a message's ``content``: without its ``<details>`` blocks
    (reasoning, tool calls); the text parts joined when it is a list of parts."""
    if isinstance(content, list):
        parts = [p.get("text") if isinstance(p, dict) else p for p in content]
        content = "\n".join(p for p in parts if isinstance(p, str))
    if not isinstance(content, str):
        return ""
    previous, stripped = None, content
    while previous != stripped:
        previous, stripped = stripped, _DETAILS.sub("", stripped)
    # The whitespace around a removed block is tidied; text without one is kept exactly.
    return content if stripped == content else stripped.strip()


def _current(
    row: dict,
    chat: dict,
    history: dict,
    items: dict[str, dict],
    parents: dict[str, str | None],
    children: dict[str | None, list[str]],
    notes: list[str],
) -> str | None:
    places = {"history": history, "chat": chat, "row": row}
    for place, field in _POINTERS:
        if place == "row" and row is chat:
            continue
        pointer = places[place].get(field)
        if isinstance(pointer, str) and pointer in items:
            return pointer
        if pointer is not None and pointer != "":
            notes.append(f"{place}.{field} {pointer} is not in the chat")
    linear = chat.get("messages")
    if isinstance(linear, list) and linear:
        last = linear[-1].get("id") if isinstance(linear[-1], dict) else None
        if isinstance(last, str) and last in items:
            notes.append(f"live leaf taken from the last message of chat.messages: {last}")
            return last
        notes.append(f"chat.messages ends with {last!r}, which is not in the chat")
    elif isinstance(linear, list):
        notes.append("chat.messages is empty")
    if not items:
        return None
    leaf = _newest_of_largest_tree(items, children)
    notes.append(f"live leaf chosen as the newest message of the largest tree: {leaf}")
    return leaf


def _newest_of_largest_tree(items: dict[str, dict], children: dict[str | None, list[str]]) -> str:
    position = {key: i for i, key in enumerate(items)}
    best: list[str] = []
    for root in children[None]:
        tree, stack = [], [root]
        while stack:
            key = stack.pop()
            tree.append(key)
            stack.extend(children.get(key, []))
        if len(tree) > len(best):
            best = tree
    if not best:  # every message is on a parent cycle
        best = list(items)

    def age(key: str) -> tuple[float, int]:
        stamp = _seconds(items[key].get("timestamp"))
        return (float("-inf") if stamp is None else stamp, position[key])

    leaf, seen = max(best, key=age), set()
    while children.get(leaf) and leaf not in seen:  # Open WebUI's getDeepestChildId
        seen.add(leaf)
        leaf = children[leaf][-1]
    return leaf


def _header(row: dict, container: str) -> dict:
    header = dict(row)
    if container == "row":
        header["chat"] = chat = dict(row["chat"])
    else:
        chat = header
    chat.pop("history", None)
    chat.pop("messages", None)
    return header


def _seconds(value: Any) -> float | None:
    """Unix seconds from a number of seconds or (when too large to be seconds) milliseconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value / 1000 if value > 1e11 else float(value)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- export --


def export(thread: Any, entries: list[Any]) -> list[dict[str, Any]]:
    """The thread as an Open WebUI export: a list holding one chat row, every entry in
    ``chat.history.messages`` (so branches survive an import into Open WebUI) and the live
    path in ``chat.messages``.

    Entries imported from Open WebUI are written back from their ``item`` with ``id``,
    ``parentId`` and ``childrenIds`` rewritten to threadtree's tree; other entries get a
    message built from role, content and time (a ``timestamp`` in seconds, with its fraction
    when it has one), whose id is the entry's ``source_id`` or a UUID derived from the thread
    and entry ids. The row's own times are whole seconds, as Open WebUI stores them. A thread
    that did not come from Open WebUI is named in the row (``threadtree_thread_id``), for a
    re-import to find it (``Conversation.exported_from``).
    """
    kept = thread.metadata.get("source") if isinstance(thread.metadata, dict) else None
    # what the import from Open WebUI kept, None for a thread from elsewhere
    source = kept if thread.source_format == NAME and isinstance(kept, dict) else None
    ours = source is not None
    kept_header = source.get("header") if source is not None else None
    header = copy.deepcopy(kept_header) if isinstance(kept_header, dict) else {}
    if source is not None and source.get("container") == "chat":
        header = {"chat": header}

    ids = {e.id: e.source_id or exported_id(thread.id, e.id) for e in entries}
    kids: dict[int, list[str]] = {}
    for entry in entries:
        if entry.parent_id is not None:
            kids.setdefault(entry.parent_id, []).append(ids[entry.id])
    messages: dict[str, dict] = {}
    for entry in entries:
        messages[ids[entry.id]] = _message(entry, ids, kids.get(entry.id, []), imported=ours)

    by_id = {e.id: e for e in entries}
    path: list[dict] = []
    at = thread.current_leaf_id
    while at is not None and at in by_id:
        path.append(messages[ids[at]])
        at = by_id[at].parent_id
    path.reverse()
    current = ids.get(thread.current_leaf_id)

    kept_chat = header.get("chat")
    chat = kept_chat if isinstance(kept_chat, dict) else {}
    models = chat.get("models") or list(
        dict.fromkeys(m["model"] for m in messages.values() if isinstance(m.get("model"), str))
    )
    chat = {
        "id": "",
        **chat,
        "title": thread.title or chat.get("title") or "New Chat",
        "models": models,
        "history": {"messages": messages, "currentId": current},
        "messages": path,
    }
    chat.setdefault("params", {})
    chat.setdefault("tags", [])
    chat.setdefault("files", [])
    chat.setdefault("timestamp", int(thread.created_at * 1000))
    row_id = header.get("id") or (thread.source_id if ours else None) or thread.id
    row = {
        "id": row_id,
        "title": thread.title or chat["title"],
        **{k: v for k, v in header.items() if k not in ("id", "title", "chat")},
        "chat": chat,
        "created_at": int(thread.created_at),
        "updated_at": int(thread.updated_at),
    }
    for key, default in (("share_id", None), ("archived", thread.archived), ("pinned", False), ("meta", {})):
        row.setdefault(key, default)
    row.setdefault("folder_id", None)
    if not ours:
        row[EXPORTED_FROM] = thread.id
    return [row]


def _number(seconds: float) -> int | float:
    """Seconds as Open WebUI writes them (a whole number), keeping a fraction when there is one:
    a message's timestamp is read as a JavaScript number, so it can hold it."""
    return int(seconds) if seconds == int(seconds) else seconds


def _message(entry: Any, ids: dict[int, str], children: list[str], *, imported: bool) -> dict[str, Any]:
    mid = ids[entry.id]
    parent = None if entry.parent_id is None else ids[entry.parent_id]
    item = entry.item
    if imported and isinstance(item, dict) and ("childrenIds" in item or "parentId" in item):
        message = copy.deepcopy(item)
        message.update(id=mid, parentId=parent, childrenIds=children)
        return message
    message = {
        "id": mid,
        "parentId": parent,
        "childrenIds": children,
        "role": entry.role,
        "content": entry.content,
        "timestamp": _number(entry.created_at),
    }
    if entry.role == "assistant":
        message["done"] = True
    return message
