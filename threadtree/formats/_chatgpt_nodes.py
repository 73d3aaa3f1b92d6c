"""ChatGPT mapping nodes: one node read as a :class:`Node` (its role, text and visibility,
docs/formats.md 2.5 and 2.6), the order of a conversation's nodes and its live leaf, and an
entry written back as a node. The reader and the exporter are in
:mod:`threadtree.formats.chatgpt`.

A change to what a node becomes must bump ``_DIGEST_SALT`` there: a re-import trusts the digest
of a conversation it has seen and would not read the node again.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from ._model import Node

_ROLES = frozenset({"system", "user", "assistant", "tool"})
_HIDDEN_CONTENT_TYPES = frozenset({"user_editable_context", "model_editable_context"})
_HIDDEN_CHANNELS = frozenset({"commentary", "analysis"})
_NODE_KEYS = frozenset({"id", "message", "parent", "children"})
# Where a one-part text message's text is in its node (Node.content_at): most messages.
_TEXT_AT = ("message", "content", "parts", 0)
_FIELDS_AT = tuple((("message", "content", field), field) for field in ("text", "result", "content"))


def _node(key: str, raw: Any, notes: list[str]) -> Node:
    # The hot loop of an import (one call per message): exact type checks, one lookup each.
    if type(raw) is not dict:
        notes.append(f"node {key}: not an object ({_json_type(raw)}); kept as a hidden empty entry")
        return Node(key, None, "other", "", raw, hidden=True)
    get = raw.get
    parent = get("parent")
    if parent is not None and type(parent) is not str:
        notes.append(f"node {key}: parent {parent!r} is not a string id; made a root")
        parent = None
    node_id = get("id", key)
    if node_id != key:
        notes.append(f"node {key}: its id field is {node_id!r}; the mapping key is used")
    message = get("message")
    if type(message) is not dict:
        if message is not None:
            notes.append(f"node {key}: message is {_json_type(message)}, not an object; kept as a hidden empty entry")
        return Node(key, parent, "other", "", raw, hidden=True)
    get = message.get
    author = get("author")
    role = author.get("role") if type(author) is dict else None
    if type(role) is not str or role not in _ROLES:
        role = "other"
    content = get("content")
    if type(content) is not dict:
        content = {}
    kind = content.get("content_type")
    metadata = get("metadata")
    weight = get("weight")
    channel = get("channel")
    hidden = (
        role == "system"
        or (type(kind) is str and kind in _HIDDEN_CONTENT_TYPES)
        or (weight == 0 and type(weight) in (int, float))
        or (type(channel) is str and channel in _HIDDEN_CHANNELS)
        or (
            type(metadata) is dict
            and bool(metadata.get("is_visually_hidden_from_conversation") or metadata.get("is_user_system_message"))
        )
    )
    parts = content.get("parts")
    created = get("create_time")
    if type(created) is not float:
        created = _seconds(created)
    if kind == "text" and type(parts) is list and len(parts) == 1 and type(parts[0]) is str:
        return Node(key, parent, role, parts[0], raw, hidden, created, content_at=_TEXT_AT)
    text = _text(content)
    if parts is None:  # code, execution_output, tether_*: one of these keys is the text
        for at, field in _FIELDS_AT:
            if content.get(field) is text:
                return Node(key, parent, role, text, raw, hidden, created, content_at=at)
    return Node(key, parent, role, text, raw, hidden, created)


def _text(content: dict) -> str:
    """The readable text of a message's ``content`` (docs/formats.md 2.5)."""
    kind = content.get("content_type")
    pieces: list[object] = []  # what is not a non-empty string is left out at the end
    parts = content.get("parts")
    if isinstance(parts, list):
        pieces.extend(_part_text(part) for part in parts)
    if kind == "thoughts" and isinstance(content.get("thoughts"), list):
        for thought in content["thoughts"]:
            if isinstance(thought, dict):
                pieces.append("\n".join(s for s in (thought.get("summary"), thought.get("content")) if _filled(s)))
    elif kind == "user_editable_context":
        pieces.extend(content.get(k) for k in ("user_profile", "user_instructions"))
    elif kind == "model_editable_context":
        pieces.append(content.get("model_set_context"))
    elif not pieces:
        for key in ("text", "result", "content"):  # code, execution_output, tether_*, reasoning_recap
            if _filled(content.get(key)):
                pieces.append(content[key])
                break
    return "\n".join(p for p in pieces if _filled(p))


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return ""
    pointer = part.get("asset_pointer")
    if part.get("content_type") == "image_asset_pointer" or isinstance(pointer, str):
        asset = pointer.split("://", 1)[-1] if isinstance(pointer, str) else "?"
        return f"[image {asset}]"
    if _filled(part.get("text")):  # audio_transcription and the like
        return part["text"]
    kind = part.get("content_type")
    return f"[{kind}]" if isinstance(kind, str) else ""


def _in_sibling_order(mapping: dict, nodes: dict[str, Node], notes: list[str]) -> list[Node]:
    """Every node, parents before children where the parents exist, each parent's children in
    the order of its ``children`` array, then the ones it does not list (in mapping order);
    nodes not reachable from a root (cycles) last, in mapping order, for the engine to repair."""
    children: dict[str, list[str]] = {key: [] for key in nodes}
    roots = []
    for key, node in nodes.items():
        if node.parent is None or node.parent not in nodes:
            roots.append(key)
        else:
            children[node.parent].append(key)
    ordered_children: dict[str, list[str]] = {}
    for key, mine in children.items():
        raw = mapping[key]
        listed = raw.get("children") if type(raw) is dict else None
        if listed == mine or (not mine and listed is None):
            ordered_children[key] = mine  # the usual case: the array agrees with the parents
            continue
        listed = listed if type(listed) is list else []
        rank: dict[str, int] = {}
        for child in listed:
            if type(child) is not str or child not in nodes:
                notes.append(f"node {key}: child {child!r} is not in the conversation")
            elif nodes[child].parent == key:
                rank.setdefault(child, len(rank))
        unlisted = [child for child in mine if child not in rank]
        if unlisted and type(raw) is dict and "children" in raw:
            notes.append(f"node {key}: children {', '.join(unlisted)} are not in its children list; put last")
        ordered_children[key] = list(rank) + unlisted
    out: list[Node] = []
    seen: set[str] = set()
    stack = list(reversed(roots))
    while stack:
        key = stack.pop()
        seen.add(key)
        out.append(nodes[key])
        stack.extend(reversed(ordered_children[key]))
    out.extend(node for key, node in nodes.items() if key not in seen)
    return out


def _live_leaf(current: Any, mapping: dict, nodes: dict[str, Node], notes: list[str]) -> str | None:
    """``current_node`` if it is a node; else the newest leaf (docs/formats.md 2.6)."""
    if isinstance(current, str) and current in nodes:
        return current
    parents = {node.parent for node in nodes.values()}
    best: str | None = None
    best_time = float("-inf")  # compared only once best is set
    for key, node in nodes.items():
        if key in parents:
            continue
        when = float("-inf") if node.created_at is None else node.created_at
        if best is None or when > best_time:
            best, best_time = key, when
    if best is None:
        notes.append("no current_node in the conversation and no leaf to fall back on")
    elif current is None:
        notes.append(f"no current_node; the live leaf is the newest leaf, {best}")
    else:
        notes.append(f"current_node {current!r} is not in the conversation; the live leaf is the newest leaf, {best}")
    return best


def _seconds(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _filled(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _written_node(entry: Any, node_id: str) -> dict[str, Any]:
    item = entry.item
    if _is_mapping_node(item):
        return dict(item)
    hidden = getattr(entry, "hidden", False)
    metadata: dict[str, Any] = {"is_visually_hidden_from_conversation": True} if hidden else {}
    return {
        "id": node_id,
        "message": {
            "id": node_id,
            "author": {"role": entry.role, "name": None, "metadata": {}},
            "create_time": entry.created_at,
            "update_time": None,
            "content": {"content_type": "text", "parts": [entry.content]},
            "status": "finished_successfully",
            "end_turn": None,
            "weight": 1.0,
            "metadata": metadata,
            "recipient": "all",
        },
    }


def _is_mapping_node(item: Any) -> bool:
    """Whether an entry's item is a ChatGPT mapping node (``{id, message, parent, children}``;
    API captures may leave out ``parent`` and ``message`` on the root)."""
    if not isinstance(item, dict) or not isinstance(item.get("children"), list):
        return False
    if "message" in item:
        return item["message"] is None or isinstance(item["message"], dict)
    return item.keys() <= _NODE_KEYS
