"""LangGraph ``SqliteSaver`` checkpoints of a graph whose state has ``messages``, such as
``MessagesState`` (docs/formats.md section 17).

A LangGraph thread is a tree of checkpoints (``parent_checkpoint_id``), each holding the whole
state: its ``messages`` list repeats the history before it. ``update_state`` on an older
checkpoint, or a run started from one, makes a second child there: a fork.

How it maps onto threadtree (one thread per LangGraph thread; its ``thread_id`` is the
thread's source id):

* **the conversation tree** is the union of the checkpoints' message lists, each message's
  parent the message before it in the list. A message is one node however many checkpoints
  repeat it: its source id is the message's ``id`` (``add_messages`` gives every message one).
  A message that comes back changed (an edit through ``update_state`` with the same id) or
  after another message (one was removed before it) is another node, a sibling, with the
  source id ``<id>@<digest>``. So forks made by ``update_state`` are branches, and nothing is
  duplicated where checkpoints repeat history.
* **live leaf**: the last message of the thread's latest checkpoint (the one ``SqliteSaver``
  returns for the thread: the highest id).
* **entries**: the message as LangChain dumps it is the item; role by its ``type`` (``human``
  user, ``ai`` assistant, ``system`` system and hidden, ``tool`` and ``function`` tool,
  ``chat`` its own role); text: the content (a string, or its text blocks, ``[type]`` for the
  others) and, for an AI message, a line ``name(arguments)`` per tool call; time: that of the
  first checkpoint holding it; an AI message's ``usage_metadata`` is its usage.
* ``metadata["source"]``: ``{"header": {thread_id, checkpoints, latest_checkpoint}}``.

Read: checkpoints stored as ``msgpack`` (LangGraph's serializer since langgraph-checkpoint 2).
Reported, not imported: checkpoints stored otherwise (``pickle`` is never unpickled; ``json``,
from older savers, is not read), damaged ones, and the checkpoints of subgraphs (``checkpoint_ns`` not empty), whose
messages a parent graph's state repeats when the subgraph shares it.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ._model import Conversation, Node, Skipped
from ._msgpack import Reader
from ._peers import Digest, PeerFile, each_conversation, has, looks_like, numbers
from ._reading import iso_seconds

__all__ = ["DESCRIPTION", "NAME", "read", "sniff"]

NAME = "langgraph"
DESCRIPTION = "LangGraph SqliteSaver checkpoints of a graph with messages (checkpoints, writes)"

_SALT = b"threadtree langgraph reader 1\0"
_Read = tuple[list[bytes], list[str]]  # a checkpoint read: the bytes of its messages, their node keys
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "tool"}
# LangGraph's msgpack extension codes (langgraph/checkpoint/serde/jsonplus.py)
_PYDANTIC = (4, 5)
_DELTA_SNAPSHOT = 7


def _tables_match(tables: dict[str, frozenset[str]]) -> bool:
    return has(
        tables,
        "checkpoints",
        "thread_id",
        "checkpoint_ns",
        "checkpoint_id",
        "parent_checkpoint_id",
        "type",
        "checkpoint",
    ) and has(tables, "writes", "thread_id", "checkpoint_id", "task_id", "channel")


def sniff(head: bytes, path: Path) -> bool:
    """An SQLite file with SqliteSaver's ``checkpoints`` and ``writes`` tables."""
    return looks_like(head, path, _tables_match)


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """One conversation per thread, threads in id order (see the module docstring)."""
    return each_conversation(Path(path), _threads)


def _threads(peer: PeerFile) -> Iterator[Conversation]:
    for thread_id, root, nested in list(peer.rows("langgraph_threads")):
        yield _Thread(str(thread_id), int(root or 0), int(nested or 0)).read(peer)


class _Thread:
    """One LangGraph thread's checkpoints, read into a conversation."""

    def __init__(self, thread_id: str, count: int, nested: int) -> None:
        self.thread_id = thread_id
        self.count = count
        self.notes = [f"{nested} checkpoints of subgraphs were not read"] if nested else []
        self.nodes: list[Node] = []
        self.seen: dict[str, tuple[str | None, bytes]] = {}  # node key -> (parent key, element)
        self.decoded: dict[bytes, tuple[str | None, str, str, Any, bool, Any]] = {}

    def read(self, peer: PeerFile) -> Conversation:
        digest = Digest(_SALT)
        rows: dict[str, tuple[Any, ...]] = {}
        for cid, parent, kind, blob, meta in peer.rows("langgraph_checkpoints", {"thread_id": self.thread_id}):
            digest.add(cid, parent, kind, meta)
            if isinstance(blob, bytes):
                digest.add_bytes(blob)
            rows[str(cid)] = (parent, kind, blob)
        # (elements, node keys) of each checkpoint read, kept while it has children to read
        done: dict[str, _Read] = {}
        waiting = {cid: 0 for cid in rows}
        for parent, _, _ in rows.values():
            if parent in waiting:
                waiting[parent] += 1
        for cid in _parents_first(rows):
            parent, kind, blob = rows[cid]
            got = self._checkpoint(cid, kind, blob)
            if got is not None:
                moment, elements = got
                base = done.get(parent) if parent is not None else None
                done[cid] = (elements, self._keys(elements, base, moment))
            if parent in waiting:
                waiting[parent] -= 1
                if waiting[parent] == 0 and parent in done and parent != cid:
                    done[parent] = ([], done[parent][1][-1:])  # only its leaf is still wanted
        latest = max(rows, default=None)
        leaf_keys = done.get(latest, ([], []))[1] if latest is not None else []
        if latest is not None and latest not in done:
            self.notes.append(f"the latest checkpoint {latest} could not be read; took the newest leaf")
        return Conversation(
            format=NAME,
            source_id=self.thread_id,
            title=None,
            nodes=self.nodes,
            current=leaf_keys[-1] if leaf_keys else None,
            metadata={"header": {"thread_id": self.thread_id, "checkpoints": self.count, "latest_checkpoint": latest}},
            created_at=min((n.created_at for n in self.nodes if n.created_at is not None), default=None),
            updated_at=max((n.created_at for n in self.nodes if n.created_at is not None), default=None),
            where=f"thread {self.thread_id!r}",
            notes=self.notes,
            digest=digest.hexdigest(),
        )

    def _checkpoint(self, cid: str, kind: Any, blob: Any) -> tuple[float | None, list[bytes]] | None:
        """(time, the bytes of each message) of one checkpoint, or None (with a note)."""
        try:
            if kind == "msgpack" and isinstance(blob, bytes):
                return _msgpack_messages(blob)
        except (ValueError, struct.error) as exc:
            self.notes.append(f"checkpoint {cid} is damaged ({exc}); not read")
            return None
        self.notes.append(f"checkpoint {cid} is stored as {kind!r}, which threadtree does not read")
        return None

    def _keys(
        self, elements: list[bytes], base: tuple[list[bytes], list[str]] | None, moment: float | None
    ) -> list[str]:
        """The node key of each message of a checkpoint; new nodes are added on the way."""
        keys: list[str] = []
        same = base is not None
        for index, element in enumerate(elements):
            if same and base is not None and index < len(base[0]) and base[0][index] == element:
                keys.append(base[1][index])  # the parent checkpoint's message, in the same place
                continue
            same = False
            keys.append(self._node(element, keys[-1] if keys else None, moment))
        return keys

    def _node(self, element: bytes, parent: str | None, moment: float | None) -> str:
        if element not in self.decoded:
            self.decoded[element] = _message(element)
        mid, role, text, item, hidden, usage = self.decoded[element]
        key = mid or "m" + hashlib.blake2b(element, digest_size=8).hexdigest()
        if key in self.seen and self.seen[key] != (parent, element):
            key += "@" + hashlib.blake2b((parent or "").encode() + b"\0" + element, digest_size=6).hexdigest()
        if key not in self.seen:
            self.seen[key] = (parent, element)
            self.nodes.append(Node(key, parent, role, text, item, hidden, moment, usage))
        return key


def _parents_first(rows: dict[str, tuple[Any, ...]]) -> list[str]:
    """Checkpoint ids, each after its parent, children in id order (ids are not ordered across
    processes: LangGraph follows parent pointers, and so does this)."""
    children: dict[Any, list[str]] = {}
    for cid, (parent, _, _) in rows.items():
        children.setdefault(parent if parent in rows and parent != cid else None, []).append(cid)
    order: list[str] = []
    stack = sorted(children.get(None, []), reverse=True)
    while stack:
        cid = stack.pop()
        order.append(cid)
        stack.extend(sorted(children.get(cid, []), reverse=True))
    return order  # a cycle of parents, never reached from a root, is left out


def _msgpack_messages(blob: bytes) -> tuple[float | None, list[bytes]]:
    """(ts, the bytes of each element of channel_values["messages"]) of a msgpack checkpoint."""
    reader = Reader(blob)
    kind, size = reader.head()
    if kind != "map":
        raise ValueError("the checkpoint is not a map")
    moment: float | None = None
    elements: list[bytes] = []
    for _ in range(size):
        key = reader.value()
        if key == "ts":
            moment = iso_seconds(reader.value())
        elif key == "channel_values":
            kind, entries = reader.head()
            if kind != "map":
                raise ValueError("channel_values is not a map")
            for _ in range(entries):
                if reader.value() != "messages":
                    reader.skip()
                    continue
                elements = _elements(reader)
        else:
            reader.skip()
    return moment, elements


def _elements(reader: Reader) -> list[bytes]:
    """The bytes of each item of the array at the reader (unwrapping a delta snapshot)."""
    start = reader.position
    kind, count = reader.head()
    if kind == "ext":
        code = struct.unpack(">b", reader.data[reader.position : reader.position + 1])[0]
        if code != _DELTA_SNAPSHOT:
            raise ValueError(f"the messages are an extension value of code {code}, not a list")
        inner = Reader(reader.data[reader.position + 1 : reader.position + 1 + count])
        reader.position += 1 + count
        return _elements(inner)
    if kind != "array":
        reader.position = start
        reader.skip()
        return []
    found = []
    for _ in range(count):
        begin = reader.position
        reader.skip()
        found.append(reader.data[begin : reader.position])
    return found


def _ext(code: int, data: bytes) -> Any:
    """LangGraph's extension values as JSON: a pydantic model (a LangChain message) as its
    fields, anything else as ``{"lc_ext": code, "type": "module.Name", "args": ...}``."""
    value = Reader(data, 0, _ext).value()
    if code in _PYDANTIC and isinstance(value, list) and len(value) >= 3 and isinstance(value[2], dict):
        return value[2] | {"lc_class": f"{value[0]}.{value[1]}"}
    if code == _DELTA_SNAPSHOT:
        return value
    if isinstance(value, list) and len(value) >= 3:
        return {"lc_ext": code, "type": f"{value[0]}.{value[1]}", "args": _jsonable(value[2:])}
    return {"lc_ext": code, "args": _jsonable(value)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes_hex": value.hex()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value != value:
        return None
    return value


def _message(element: bytes) -> tuple[str | None, str, str, Any, bool, Any]:
    """(id, role, text, item, hidden, usage) of one message's bytes."""
    value = _jsonable(Reader(element, 0, _ext).value())
    if not isinstance(value, dict):
        return None, "other", orjson.dumps(value).decode(), value, False, None
    item = {k: v for k, v in value.items() if k != "lc_class"}
    kind = str(value.get("type") or value.get("lc_class", "").rpartition(".")[2].removesuffix("Message")).lower()
    kind = kind.removesuffix("messagechunk").removesuffix("chunk")
    role = _ROLES.get(kind) or (value["role"] if kind == "chat" and isinstance(value.get("role"), str) else "other")
    lines = [_content_text(value.get("content"))]
    for call in value.get("tool_calls") or []:
        if isinstance(call, dict):
            lines.append(f"{call.get('name')}({json.dumps(call.get('args'))})")
    usage = numbers(value.get("usage_metadata")) or None
    mid = value.get("id") if isinstance(value.get("id"), str) and value.get("id") else None
    return mid, role, "\n".join(line for line in lines if line), item, role == "system", usage


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict):
            text = block.get("text")
            texts.append(text if isinstance(text, str) else f"[{block.get('type', 'block')}]")
    return "\n".join(texts)
