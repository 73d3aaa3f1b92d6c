"""Planning an import: a conversation's nodes checked and its tree repaired, before any SQL.

:func:`plan` takes a :class:`~threadtree.formats._model.Conversation` as a reader gave it and
returns a :class:`Plan` the engine (:mod:`threadtree.formats._engine`) writes: every node
checked (a node that cannot be stored at all names itself in :class:`InvalidInput`), a parent
that is missing made a root, a cycle broken, a second node with the same id dropped, the live
leaf chosen when the source names none, each repair with a note.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import orjson

from .. import _json, _validate
from ..errors import InvalidInput
from ._model import Conversation, Node

__all__ = ["Plan", "plan"]

_dumps = orjson.dumps


@attrs.frozen
class Plan:
    """A conversation ready to write: nodes in an order where every parent comes first."""

    order: list[Node]  # parents before children, siblings in source order
    parents: dict[str, str | None]  # source_id -> parent source_id, after repairs
    current: str | None  # source_id of the live leaf, None for an empty thread
    items: dict[str, tuple[str | None, Any, str | None]]  # source_id -> (item JSON to store, item, content_path)
    notes: list[str]
    usages: dict[str, str] = attrs.field(factory=dict)  # source_id -> usage JSON, for nodes that have one


def plan(conv: Conversation, max_size: int = _validate.DEFAULT_MAX_SIZE) -> Plan:
    """Check every node and repair the tree; :class:`InvalidInput` names a node that cannot be
    stored at all (or is larger than ``max_size``)."""
    notes = list(conv.notes)
    nodes: dict[str, Node] = {}
    items: dict[str, tuple[str | None, Any, str | None]] = {}
    usages: dict[str, str] = {}
    for index, node in enumerate(conv.nodes):
        try:
            sid = _validate.name(node.source_id, "source_id")
            _validate.name(node.role, "role")
            _validate.size(_validate.text(node.content, "content"), "content", max_size)
            _validate.flag(node.hidden, "hidden")
            created = node.created_at
            if created is not None and (type(created) not in (int, float) or not math.isfinite(created)):
                raise InvalidInput(f"created_at must be Unix seconds or None, not {created!r}")
            if node.parent is not None and type(node.parent) is not str:
                raise InvalidInput(f"parent must be a str or None, not {node.parent!r}")
            item_json, path = (
                (None, None) if node.item is None else _item_json(node.item, node.content, node.content_at)
            )
            _validate.size(item_json, "item", max_size, "bytes of JSON")
            usage_json = None if node.usage is None else _validate.usage_value(node.usage)[0]
        except InvalidInput as exc:
            usable = isinstance(node.source_id, str) and node.source_id.strip()
            raise InvalidInput(f"node {node.source_id if usable else f'at index {index}'}: {exc}") from None
        if sid in nodes:
            notes.append(f"node {sid}: a second node with this id; kept the first")
            continue
        items[sid] = (item_json, node.item, path)
        if usage_json is not None:
            usages[sid] = usage_json
        nodes[sid] = node

    position = {sid: i for i, sid in enumerate(nodes)}
    parents: dict[str, str | None] = {}
    for sid, node in nodes.items():
        parent = node.parent
        if parent is not None and parent not in nodes:
            notes.append(f"node {sid}: parent {parent} is not in the conversation; made it a root")
            parent = None
        parents[sid] = parent
    _break_cycles(parents, position, notes)

    children: dict[str | None, list[str]] = {}
    for sid in nodes:
        children.setdefault(parents[sid], []).append(sid)
    order: list[Node] = []
    stack = list(reversed(children.get(None, [])))
    while stack:  # depth first, so a branch's entries get neighbouring ids
        sid = stack.pop()
        order.append(nodes[sid])
        stack.extend(reversed(children.get(sid, [])))

    current = conv.current
    if current is None or current not in nodes:
        leaves = [sid for sid in nodes if sid not in children]
        newest = max(
            leaves,
            default=None,
            key=lambda s: (-math.inf if nodes[s].created_at is None else nodes[s].created_at, position[s]),
        )
        if current is not None:
            notes.append(f"the live leaf {current} is not in the conversation; took the newest leaf {newest}")
        current = newest
    return Plan(order, parents, current, items, notes, usages)


def _item_json(item: Any, content: str, at: tuple[str | int, ...] | None = None) -> tuple[str, str | None]:
    """(JSON text to store, content_path) for an item: without its copy of the entry's text
    when it holds one (at ``at`` when the reader says, else found by ``_json.text_place``).
    Items come from a JSON parser, so they come back equal and skip the store's exactness
    check (a fifth of an import's time); what JSON cannot hold at all is still refused."""
    try:
        cut = None if at is None else _json.cut_text_at(item, at, content)
        if cut is not None:
            return cut[0].decode("utf-8"), cut[1]
        data = _dumps(item)
    except orjson.JSONEncodeError:
        _json.dumps(item, "item")  # raises InvalidInput naming the part
        raise
    stored, path = _json.cut_text(item, data, content)
    return stored.decode("utf-8"), path


def _break_cycles(parents: dict[str, str | None], position: dict[str, int], notes: list[str]) -> None:
    """Make one node of every cycle a root: the one the source lists first."""
    state: dict[str, int] = {}  # 1: on the walk now, 2: known to reach a root
    for start in parents:
        walk = []
        sid: str | None = start
        while sid is not None and sid not in state:
            state[sid] = 1
            walk.append(sid)
            sid = parents[sid]
        if sid is not None and state[sid] == 1:
            cycle = walk[walk.index(sid) :]
            breaker = min(cycle, key=position.__getitem__)
            parents[breaker] = None
            notes.append(f"nodes {' -> '.join(cycle)} form a cycle; made {breaker} a root")
        for sid in walk:
            state[sid] = 2
