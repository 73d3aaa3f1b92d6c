"""LangGraph ``SqliteSaver`` checkpoints of a graph whose state has ``messages``, such as
``MessagesState`` (docs/formats.md section 17).

A LangGraph thread is a tree of checkpoints (``parent_checkpoint_id``), each holding the whole
state: its ``messages`` list repeats the history before it. ``update_state`` on an older
checkpoint, or a run started from one, makes a second child there: a fork.

How it maps onto threadtree (one thread per LangGraph thread; its ``thread_id`` is the
thread's source id):

* **the thread's id** is the LangGraph ``thread_id`` as well, when no thread has that id yet
  (else a random one, with a note). Threads are read in id order, so an import then adds each
  thread's entries after the previous thread's in every index keyed by the thread id, not at a
  random place (random ids cost a sixth of the import's time at 100,000 messages).
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

Read: checkpoints stored as ``msgpack`` (LangGraph's serializer since langgraph-checkpoint 2),
through the MessagePack reader of ``_msgpack`` (Python), which finds the new messages of a
checkpoint by their bytes and stops reading once it has them; the new messages themselves are
decoded by ormsgpack (C, LangGraph's own dependency) when it is importable, else by that reader:
the same values and the same errors either way.
Reported, not imported: checkpoints stored otherwise (``pickle`` is never unpickled; ``json``,
from older savers, is not read), damaged ones, and the checkpoints of subgraphs (``checkpoint_ns`` not empty), whose
messages a parent graph's state repeats when the subgraph shares it.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ._model import Conversation, Node, Skipped
from ._msgpack import CUT_SHORT, decode, header_length, skip
from ._peers import Digest, PeerFile, each_conversation, has, looks_like, numbers
from ._reading import iso_seconds

__all__ = ["DESCRIPTION", "NAME", "read", "sniff"]

NAME = "langgraph"
DESCRIPTION = "LangGraph SqliteSaver checkpoints of a graph with messages (checkpoints, writes)"

_SALT = b"threadtree langgraph reader 2\0"
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "tool"}
# LangGraph's msgpack extension codes (langgraph/checkpoint/serde/jsonplus.py)
_PYDANTIC = (4, 5)
_DELTA_SNAPSHOT = 7


def _ormsgpack() -> Callable[..., Any] | None:
    """ormsgpack's ``unpackb``: LangGraph's own MessagePack library (its serializer writes the
    checkpoints with it), so it is there wherever LangGraph made a file; None without it."""
    try:
        from ormsgpack import unpackb
    except ImportError:
        return None
    return unpackb


_unpackb = _ormsgpack()


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


class _Read(NamedTuple):
    """What was read of one checkpoint: the bytes of its messages, their node keys, and the
    span of the messages' bytes in the checkpoint (what a child that repeats them starts with)."""

    elements: list[bytes]
    keys: list[str]
    span: bytes | memoryview


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
        rows: dict[str, tuple[Any, ...]] = {}
        seen = []
        for cid, parent, kind, blob, meta in peer.rows("langgraph_checkpoints", {"thread_id": self.thread_id}):
            # A checkpoint's bytes by their length and CRC-32, not hashed whole: they repeat the
            # thread's history (440 MB for 100,000 messages), and a checkpoint id names one state.
            seen.append((cid, parent, kind, meta, (len(blob), zlib.crc32(blob)) if isinstance(blob, bytes) else blob))
            rows[str(cid)] = (parent, kind, blob)
        digest = Digest(_SALT)
        digest.add(*seen)  # one encoding call for the thread
        # what was read of each checkpoint, kept while it has children to read
        done: dict[str, _Read] = {}
        waiting = {cid: 0 for cid in rows}
        for parent, _, _ in rows.values():
            if parent in waiting:
                waiting[parent] += 1
        for cid in _parents_first(rows):
            parent, kind, blob = rows[cid]
            base = done.get(parent) if parent is not None else None
            got = self._checkpoint(cid, kind, blob, base)
            if got is not None:
                done[cid] = got
            if parent in waiting:
                waiting[parent] -= 1
                if waiting[parent] == 0 and parent in done and parent != cid:
                    done[parent] = _Read([], done[parent].keys[-1:], b"")  # only its leaf is still wanted
        latest = max(rows, default=None)
        leaf_keys = done[latest].keys if latest in done else []
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
            thread_id=self.thread_id,
        )

    def _checkpoint(self, cid: str, kind: Any, blob: Any, base: _Read | None) -> _Read | None:
        """What one checkpoint holds (its messages' bytes and node keys, new nodes added on
        the way), or None (with a note)."""
        try:
            if kind == "msgpack" and isinstance(blob, bytes):
                ts, elements, shared, span = _msgpack_messages(blob, base)
            else:
                self.notes.append(f"checkpoint {cid} is stored as {kind!r}, which threadtree does not read")
                return None
            for element in elements[shared:]:  # decoded here, where a damaged one is a note
                if element not in self.decoded:
                    self.decoded[element] = _message(element)
        except (ValueError, struct.error) as exc:  # UnicodeDecodeError is a ValueError
            self.notes.append(f"checkpoint {cid} is damaged ({exc}); not read")
            return None
        except RecursionError:  # the Python reader recurses once per level of nesting
            self.notes.append(f"checkpoint {cid} is damaged (values nested too deeply); not read")
            return None
        keys = base.keys[:shared] if base is not None else []
        if shared < len(elements):
            moment = iso_seconds(ts)  # the time of the nodes it adds
            for element in elements[shared:]:
                keys.append(self._node(element, keys[-1] if keys else None, moment))
        return _Read(elements, keys, span)

    def _node(self, element: bytes, parent: str | None, moment: float | None) -> str:
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


# The head of a checkpoint as SqliteSaver writes it (ormsgpack, LangGraph's key order: v, ts as
# isoformat() makes it, with or without microseconds, id a UUID, then channel_values opening
# with messages): matched in one step, its values the ones the walk below would read; any
# other head is walked key by key.
_HEAD = re.compile(
    rb"[\x84-\x8f]\xa1v[\x00-\x7f]\xa2ts(?:\xd9\x20([\x20-\x7e]{32})|\xb9([\x20-\x7e]{25}))"
    rb"\xa2id\xd9\x24[\x20-\x7e]{36}\xaechannel_values[\x81-\x8f]\xa8messages"
)


def _msgpack_messages(blob: bytes, base: _Read | None) -> tuple[Any, list[bytes], int, bytes | memoryview]:
    """(ts, the bytes of each element of channel_values["messages"], how many of them are the
    parent checkpoint's first ones (``base``), the span of the elements' bytes) of a msgpack
    checkpoint. What repeats the parent's messages is recognised by its bytes, not stepped over
    message by message, and the walk stops once it has the time and the messages: what follows
    them (the other channels, the versions LangGraph keeps) is not read, so damage there does
    not hide messages that are whole."""
    head = _HEAD.match(blob)
    if head is not None:
        elements, shared, span, _ = _elements(blob, head.end(), base)
        return (head[1] or head[2]).decode("ascii"), elements, shared, span
    ts: Any = None
    elements = []
    shared = 0
    span = b""
    size, pos = _map_head(blob, 0, "the checkpoint is not a map")
    has_ts = has_messages = False
    end = len(blob)
    # Keys, and the values stepped over (a version number, ids: small), read here without a call.
    for _ in range(size):
        first = blob[pos] if pos < end else -1
        if 0xA0 <= first <= 0xBF:
            pos, name = pos + 1 + (first & 0x1F), blob[pos + 1 : pos + 1 + (first & 0x1F)].decode("utf-8")
        else:
            name, pos = decode(blob, pos)
        if name == "ts":
            ts, pos = decode(blob, pos)
            has_ts = True
        elif name == "channel_values":
            entries, pos = _map_head(blob, pos, "channel_values is not a map")
            for _ in range(entries):
                name, pos = decode(blob, pos)
                if name != "messages":
                    pos = skip(blob, pos)
                    continue
                elements, shared, span, pos = _elements(blob, pos, base)
                has_messages = True
                if has_ts:  # LangGraph writes ts first: all that is wanted is read
                    return ts, elements, shared, span
        else:
            first = blob[pos] if pos < end else -1
            if first < 0x80:
                pos += 1
            elif 0xA0 <= first <= 0xBF:
                pos += 1 + (first & 0x1F)
            elif first == 0xD9 and pos + 1 < end:
                pos += 2 + blob[pos + 1]
            else:
                pos = skip(blob, pos)
        if pos > end:
            raise ValueError(CUT_SHORT)
        if has_ts and has_messages:
            break
    return ts, elements, shared, span


def _map_head(blob: bytes, pos: int, otherwise: str) -> tuple[int, int]:
    """(entries, position after the header) of the map at ``pos``; ValueError(``otherwise``)
    when the value there is not a map."""
    if pos >= len(blob):
        raise ValueError(CUT_SHORT)
    first = blob[pos]
    if 0x80 <= first <= 0x8F:
        return first & 0x0F, pos + 1
    if first in (0xDE, 0xDF):
        return header_length(blob, pos + 1, first)
    raise ValueError(otherwise)


def _elements(data: bytes, pos: int, base: _Read | None) -> tuple[list[bytes], int, bytes | memoryview, int]:
    """(the bytes of each item of the array at ``pos`` (a delta snapshot unwrapped), how many
    are ``base``'s first ones, their span, the position after the value)."""
    first = data[pos] if pos < len(data) else -1
    if 0x90 <= first <= 0x9F:
        count, start = first & 0x0F, pos + 1
    elif first in (0xDC, 0xDD):
        count, start = header_length(data, pos + 1, first)
    elif first in (0xC7, 0xC8, 0xC9, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8):
        size, at = header_length(data, pos + 1, first) if first < 0xD4 else (1 << (first - 0xD4), pos + 1)
        code = struct.unpack(">b", data[at : at + 1])[0]
        if code != _DELTA_SNAPSHOT:
            raise ValueError(f"the messages are an extension value of code {code}, not a list")
        inner = _elements(data[at + 1 : at + 1 + size], 0, base)
        return inner[0], inner[1], inner[2], at + 1 + size
    else:
        return [], 0, b"", skip(data, pos)
    end = start
    found: list[bytes] = []
    if base is not None and base.elements:
        if count >= len(base.elements) and data.startswith(base.span, start):
            found = base.elements[:]  # the parent's messages, all of them, then new ones
            end += len(base.span)
        else:  # a fork or an edit: the parent's messages up to the first that differs
            for element in base.elements[:count]:
                if not data.startswith(element, end):
                    break
                found.append(element)
                end += len(element)
    shared = len(found)
    for _ in range(count - shared):
        begin = end
        end = skip(data, end)
        found.append(data[begin:end])
    return found, shared, memoryview(data)[start:end], end


def _ext(code: int, data: bytes) -> Any:
    """LangGraph's extension values as JSON, read by the MessagePack reader of _msgpack."""
    return _ext_value(code, decode(data, 0, _ext)[0])


def _ormsgpack_ext(code: int, data: bytes) -> Any:
    """The same, read by ormsgpack."""
    assert _unpackb is not None
    return _ext_value(code, _unpackb(data, ext_hook=_ormsgpack_ext))


def _ext_value(code: int, value: Any) -> Any:
    """An extension value as JSON: a pydantic model (a LangChain message) as its fields,
    anything else as ``{"lc_ext": code, "type": "module.Name", "args": ...}``."""
    if code in _PYDANTIC and isinstance(value, list) and len(value) >= 3 and isinstance(value[2], dict):
        return value[2] | {"lc_class": f"{value[0]}.{value[1]}"}
    if code == _DELTA_SNAPSHOT:
        return value
    if isinstance(value, list) and len(value) >= 3:
        return {"lc_ext": code, "type": f"{value[0]}.{value[1]}", "args": _jsonable(value[2:])}
    return {"lc_ext": code, "args": _jsonable(value)}


def _decode(element: bytes) -> Any:
    """One message's value. ormsgpack reads it when it is importable (in C, where the reader of
    _msgpack is Python); whatever ormsgpack refuses, the Python reader reads again, so both
    ways give the same value, or the same error (a damaged message's note)."""
    if _unpackb is not None:
        try:
            return _unpackb(element, ext_hook=_ormsgpack_ext)
        except ValueError:
            pass  # non-string map keys, damage: the Python reader's value or error
    return decode(element, 0, _ext)[0]


# What a decoder returns that JSON holds as it is (bytes and NaN are not: see _jsonable).
_PLAIN = frozenset({str, int, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """A decoded value made JSON: bytes as ``{"bytes_hex": ...}``, NaN as None."""
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _jsonable(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) in _PLAIN else _jsonable(v) for v in value]
    if kind is bytes:
        return {"bytes_hex": value.hex()}
    if kind is float and value != value:
        return None
    return value


def _message(element: bytes) -> tuple[str | None, str, str, Any, bool, Any]:
    """(id, role, text, item, hidden, usage) of one message's bytes."""
    value = _jsonable(_decode(element))
    if not isinstance(value, dict):
        return None, "other", orjson.dumps(value).decode(), value, False, None
    lc_class = value.pop("lc_class", "")  # the rest is the item (_jsonable made the dict: ours to change)
    kind = str(value.get("type") or str(lc_class).rpartition(".")[2].removesuffix("Message")).lower()
    kind = kind.removesuffix("messagechunk").removesuffix("chunk")
    role = _ROLES.get(kind) or (value["role"] if kind == "chat" and isinstance(value.get("role"), str) else "other")
    lines = [_content_text(value.get("content"))]
    for call in value.get("tool_calls") or []:
        if isinstance(call, dict):
            lines.append(f"{call.get('name')}({json.dumps(call.get('args'))})")
    usage = numbers(value.get("usage_metadata")) or None
    mid = value.get("id") if isinstance(value.get("id"), str) and value.get("id") else None
    return mid, role, "\n".join(line for line in lines if line), value, role == "system", usage


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
