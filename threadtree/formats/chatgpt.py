"""ChatGPT data export: ``conversations.json`` (docs/formats.md section 2).

The file is a JSON array of conversation objects (the export zip's ``conversations.json``), or
one conversation object on its own (what tools scraping the web API write). Each conversation
holds its whole tree in ``mapping``: node id -> ``{id, message, parent, children}``.

How it maps onto threadtree (one thread per conversation, one entry per mapping node):

* **ids**: the conversation's ``id`` (else ``conversation_id``) is the thread's source id; the
  **mapping key** is each entry's source id (``message.id`` can differ, it stays in the item).
* **tree**: ``node.parent``; the root node (``message: null``, often ``client-created-root``)
  is kept as a hidden entry of role ``other`` with empty text. Siblings are ordered as the
  parent's ``children`` array lists them (creation order: the original before the edit or the
  regeneration); nodes their parent does not list come after, in mapping order. The mapping
  order itself is never used for the tree (it is not topological in real exports).
* **role**: ``message.author.role`` (``system``, ``user``, ``assistant``, ``tool``; anything
  else becomes ``other``). ``author.name`` (the tool) stays in the item.
* **text** (section 2.5): the string ``parts`` joined by newlines, image parts as
  ``[image <asset id>]``; ``code``, ``execution_output`` and ``tether_*`` give their ``text`` or
  ``result``; ``thoughts`` the summary and content of each thought; ``reasoning_recap`` its
  ``content``; ``user_editable_context`` the profile and the instructions.
* **hidden** (section 2.6, "Visibility"): the root, ``metadata.is_visually_hidden_from_
  conversation``, ``metadata.is_user_system_message``, role ``system``, content type
  ``user_editable_context`` / ``model_editable_context``, ``weight == 0``, or channel
  ``commentary`` / ``analysis``. Tool calls and tool output stay visible unless one of these
  holds (browsing output has weight 0, so it is hidden).
* **live leaf**: ``current_node`` when it is in the mapping; else the leaf with the highest
  ``create_time`` (null counts as the oldest; ties go to the first in mapping order), with a
  note saying so.
* **item**: the whole node exactly as parsed; the thread metadata keeps the conversation
  object without ``mapping`` as ``{"header": ...}``.

Skipped, with the reason: a conversation without ``mapping`` (or with an empty one), without
an id, or that is not an object; malformed JSON, reported with its line and column. Inside an
array a malformed conversation does not stop the others: reading resumes at the next
conversation (found by the key the conversations start with, see :class:`_ArrayElements`).

The array is read one conversation at a time (:class:`_ArrayElements`), so memory stays near the
size of the largest conversation, whatever the size of the file.

:func:`export` writes a thread back as one conversation object (see its docstring).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import orjson

from ._model import EXPORTED_FROM, Conversation, Node, Skipped, exported_id

__all__ = ["DESCRIPTION", "NAME", "export", "read", "sniff"]

NAME = "chatgpt"
DESCRIPTION = "ChatGPT data export (conversations.json, or one conversation object)"

_ROLES = frozenset({"system", "user", "assistant", "tool"})
_HIDDEN_CONTENT_TYPES = frozenset({"user_editable_context", "model_editable_context"})
_HIDDEN_CHANNELS = frozenset({"commentary", "analysis"})
_NODE_KEYS = frozenset({"id", "message", "parent", "children"})
# Part of every conversation's digest: bump it when the mapping from a conversation to nodes
# changes, so that a re-import compares node by node instead of trusting the old digest.
_DIGEST_SALT = b"threadtree chatgpt reader 1\0"


# -- sniff --------------------------------------------------------------------------------

_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]', re.DOTALL)
_COLON = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*(.)", re.DOTALL)
_WS = re.compile(rb"[ \t\r\n]*")


def sniff(head: bytes, path: Path) -> bool:
    """True when ``head`` holds a conversation object with a ``"mapping"`` key whose value is
    an object: the file's one JSON object, or an element of its top-level JSON array (the
    first that has one; every element before it must be an object too). Keys are found at
    the right depth by a tokenizer that skips strings, not by a text search."""
    start = _WS.match(head).end()
    in_array = head[start : start + 1] == b"["
    if in_array:
        start = _WS.match(head, start + 1).end()
    if head[start : start + 1] != b"{":
        return False
    depth = 0
    for token in _TOKEN.finditer(head, start):
        text = token.group()
        if text in (b"{", b"["):
            if depth == 0 and text == b"[":
                return False  # an array element that is not an object
            depth += 1
        elif text in (b"}", b"]"):
            depth -= 1
            if depth < 0 or not in_array:
                return False  # the array ended, or the one object had no mapping
        elif depth == 0:
            return False  # a string element
        elif depth == 1 and text == b'"mapping"':
            colon = _COLON.match(head, token.end())
            if colon is not None and colon.group(1) == b"{":
                return True
    return False


# -- read ---------------------------------------------------------------------------------


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """The conversations of ``path``, one at a time; :class:`Skipped` for each one that cannot
    be read (and for a file that is neither a JSON array nor an object)."""
    path = Path(path)
    with open(path, "rb") as file:
        head = file.read(1 << 16)
        first = head[_WS.match(head).end() :][:1]
        file.seek(0)
        if first == b"{":
            data = file.read()
            try:
                value = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                at = _error_byte(memoryview(data), exc.msg, exc.pos)
                cut = _truncated(memoryview(data), exc.msg, "the conversation")
                yield Skipped(_where_in_file(path, at), cut or f"malformed JSON: {_plain_message(data, exc.msg)}")
                return
            yield _conversation(value, 1, _digest(data))
            return
        if first != b"[":
            yield Skipped("line 1, column 1", "not a ChatGPT export: the file is neither a JSON array nor an object")
            return
        elements = _ArrayElements(file)
        for number, element in enumerate(elements, start=1):
            if isinstance(element, _Malformed):
                reason = element.message if element.truncated else f"malformed JSON: {element.message}"
                if element.resumed_at is not None:
                    reason += f"; reading resumed at {_where_in_file(path, element.resumed_at)}"
                elif not (element.at_end or element.truncated):
                    reason += "; the rest of the file could not be read"
                where = _where_in_file(path, element.offset)
                yield Skipped(where if element.at_end else f"conversation {number}, {where}", reason)
            else:
                yield _conversation(element, number, elements.digest)


def _digest(data: bytes | memoryview) -> str:
    """The digest of a conversation's bytes (see ``Conversation.digest``)."""
    hasher = hashlib.blake2b(_DIGEST_SALT, digest_size=16)
    hasher.update(data)
    return hasher.hexdigest()


def _conversation(value: Any, number: int, digest: str | None = None) -> Conversation | Skipped:
    """One conversation object -> Conversation (or Skipped, saying why)."""
    where = f"conversation {number}"
    if not isinstance(value, dict):
        return Skipped(where, f"a conversation must be a JSON object, not {_json_type(value)}")
    source_id = next((v for v in (value.get("id"), value.get("conversation_id")) if isinstance(v, str) and v), None)
    if source_id is not None:
        where = f"{where} (id {source_id})"
    mapping = value.get("mapping")
    if not isinstance(mapping, dict):
        what = "no mapping" if mapping is None else f"a mapping that is {_json_type(mapping)}, not an object"
        return Skipped(where, f"the conversation has {what}: there is no message tree to import")
    if not mapping:
        return Skipped(where, "the conversation's mapping is empty: it has no messages")
    if source_id is None:
        return Skipped(where, "the conversation has no id (nor conversation_id): a second import could not find it")
    notes: list[str] = []
    origin = value.get(EXPORTED_FROM) if isinstance(value.get(EXPORTED_FROM), str) else None
    made_root = _made_up_id(origin, "root") if origin is not None else None
    nodes = {key: _node(key, raw, notes) for key, raw in mapping.items()}
    raw_root = mapping.get(made_root) if made_root is not None else None
    if type(raw_root) is dict and raw_root.get("message") is None and nodes[made_root].parent is None:
        del nodes[made_root]  # the root export() adds above a thread's several roots
        mapping = {key: raw for key, raw in mapping.items() if key != made_root}
        nodes = {k: attrs.evolve(n, parent=None) if n.parent == made_root else n for k, n in nodes.items()}
    title = value.get("title")
    if title is not None and not isinstance(title, str):
        notes.append(f"the title is {_json_type(title)}, not a string; left empty")
        title = None
    return Conversation(
        format=NAME,
        source_id=source_id,
        title=title,
        nodes=_in_sibling_order(mapping, nodes, notes),
        current=_live_leaf(value.get("current_node"), mapping, nodes, notes),
        metadata={"header": {k: v for k, v in value.items() if k != "mapping"}},
        created_at=_seconds(value.get("create_time")),
        updated_at=_seconds(value.get("update_time")),
        where=where,
        notes=notes,
        exported_from=origin,
        digest=digest,
    )


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
    if kind == "text" and type(parts) is list and len(parts) == 1 and type(parts[0]) is str:
        text = parts[0]
    else:
        text = _text(content)
    created = get("create_time")
    if type(created) is not float:
        created = _seconds(created)
    return Node(key, parent, role, text, raw, hidden, created)


def _text(content: dict) -> str:
    """The readable text of a message's ``content`` (docs/formats.md 2.5)."""
    kind = content.get("content_type")
    pieces: list[str] = []
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
    best, best_time = None, None
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


def _filled(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# -- streaming the array ------------------------------------------------------------------

_CHUNK = 1 << 23  # bytes read at a time
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 continuation bytes
# orjson's message for a value followed by more text, at the start of that text (yyjson's
# wording; builds parsing with serde_json said "trailing characters").
_AFTER_DOCUMENT = ("unexpected content after document", "trailing characters")


class _Malformed:
    """An element that is not valid JSON: where (a byte offset in the file) and why;
    ``truncated`` when the file ends inside it."""

    def __init__(
        self, offset: int, message: str, resumed_at: int | None = None, at_end: bool = False, truncated: bool = False,
    ) -> None:
        self.offset, self.message, self.resumed_at, self.at_end = offset, message, resumed_at, at_end
        self.truncated = truncated


class _ArrayElements:
    """The elements of the top-level JSON array of a file, parsed one at a time by orjson.

    orjson parses whole documents only, so the end of each element is found first:

    1. By its separator. Once one element is read, the key it starts with (``"title"`` in
       ChatGPT exports) is known, and the next element normally begins after
       ``}`` ``,`` ``{`` ``"title":`` (any whitespace between). The text up to the first such
       match is parsed; a successful parse proves the end (a complete JSON value cannot go on).
       A match inside the element (an array of objects starting with that key) fails to parse
       and the next match is tried; after a few failures, or if none is found, step 2.
    2. By parsing a window: orjson parses the first value of a growing window and reports
       "unexpected content after document" at the end of it (a character offset, turned into
       a byte offset here); the value is then parsed once more, alone. This costs two parses,
       so it is the fallback, and the way the first element is read.

    Memory holds one read chunk (8 MiB) and the current element, never the whole file. Yields
    each value, or a :class:`_Malformed` for an element orjson rejects; after one, reading
    resumes at the next separator (when the separator is known and one follows).
    """

    _MAX_FAILED = 3

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._buf = bytearray()
        self._base = 0  # the file offset of _buf[0]
        self._pos = 0  # the next unread byte in _buf
        self._eof = False
        self._separator: re.Pattern[bytes] | None = None
        self._largest = 1 << 16
        self.digest: str | None = None  # of the element yielded last

    # buffer

    def _fill(self) -> bool:
        """Read a chunk, dropping what was consumed (indexes into _buf shift: keep offsets
        relative to _pos across calls). False at the end of the file."""
        if self._eof:
            return False
        del self._buf[: self._pos]
        self._base += self._pos
        self._pos = 0
        more = self._file.read(_CHUNK)
        if not more:
            self._eof = True
            return False
        self._buf += more
        return True

    def _next_byte(self) -> int | None:
        """Skip whitespace; the next byte, or None at the end of the file."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return None

    def _offset(self) -> int:
        return self._base + self._pos

    # elements

    def __iter__(self) -> Iterator[Any]:
        if self._next_byte() != ord("["):
            yield _Malformed(self._offset(), "expected '[' at the start of the file")
            return
        self._pos += 1
        expect_value, first = True, True
        while True:
            byte = self._next_byte()
            if byte is None:
                yield _Malformed(self._offset(), "the file is truncated: it ends before the array is closed with ']'",
                                 at_end=True, truncated=True)
                return
            if expect_value and not (first and byte == ord("]")):
                try:
                    value = self._element()
                except _Error as exc:
                    failure = self._resync(exc)
                    yield failure
                    if failure.resumed_at is None:
                        return
                    first = False
                    continue
                yield value
                expect_value, first = False, False
            elif byte == ord(","):
                self._pos += 1
                expect_value = True
            elif byte == ord("]"):
                self._pos += 1
                if self._next_byte() is not None:
                    yield _Malformed(self._offset(), "unexpected content after the array's closing ']'", at_end=True)
                return
            else:
                found = f"expected ',' or ']' between elements, found {chr(byte)!r}"
                failure = self._resync(_Error(self._offset(), found))
                yield failure
                if failure.resumed_at is None:
                    return
                expect_value = True

    def _element(self) -> Any:
        value = self._by_separator() if self._separator is not None else _NOT_FOUND
        if value is _NOT_FOUND:
            value = self._by_window()
        if self._separator is None and isinstance(value, dict) and value:
            key = re.escape(orjson.dumps(next(iter(value))))
            self._separator = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*(\{)[ \t\r\n]*" + key + rb"[ \t\r\n]*:")
        return value

    def _by_separator(self) -> Any:
        searched, failed = 1, 0  # relative to _pos
        limit = max(1 << 26, 4 * self._largest)
        while True:
            found = self._separator.search(self._buf, self._pos + searched)
            if found is None:
                if self._eof:
                    return self._last_element()
                if len(self._buf) - self._pos > limit:
                    return _NOT_FOUND
                searched = max(searched, len(self._buf) - self._pos - 4096)
                self._fill()
                continue
            candidate = found.start() + 1 - self._pos
            with memoryview(self._buf) as view, view[self._pos : self._pos + candidate] as piece:
                ok, value, end = _first_value(piece)
            if ok:
                return self._consumed(end, value)
            failed += 1
            if failed >= self._MAX_FAILED:
                return _NOT_FOUND
            searched = candidate

    def _last_element(self) -> Any:
        end = len(self._buf)
        while end > self._pos and self._buf[end - 1] in b" \t\r\n":
            end -= 1
        if end <= self._pos or self._buf[end - 1] != ord("]"):
            return _NOT_FOUND
        with memoryview(self._buf) as view, view[self._pos : end - 1] as piece:
            ok, value, size = _first_value(piece)
        return self._consumed(size, value) if ok else _NOT_FOUND

    def _by_window(self) -> Any:
        window = 2 * self._largest
        while True:
            if len(self._buf) - self._pos < window and self._fill():
                continue
            size = min(window, len(self._buf) - self._pos)
            complete = self._eof and size == len(self._buf) - self._pos
            with memoryview(self._buf) as view, view[self._pos : self._pos + size] as piece:
                ok, value, end = _first_value(piece)
                if not ok and "UTF-8" in value and end > 0:
                    # orjson checks the UTF-8 of the whole window first: the bad byte may lie
                    # after this element
                    before = _first_value(piece[:end])
                    if before[0]:
                        ok, value, end = before
            if ok:
                after = self._buf[self._pos + end : self._pos + end + 1]
                # the whole window parsed: a whole value, unless the window cut a number short
                if end < size or complete or (after and after in b" \t\r\n,]"):
                    return self._consumed(end, value)
            elif complete or end < size - 16:
                with memoryview(self._buf) as view, view[self._pos : self._pos + size] as piece:
                    cut = _truncated(piece, value, "this conversation") if complete else None
                raise _Error(self._offset() + end, cut or value, truncated=cut is not None)
            window *= 2  # the window cut the element: read more

    def _consumed(self, size: int, value: Any) -> Any:
        with memoryview(self._buf) as view, view[self._pos : self._pos + size] as piece:
            self.digest = _digest(piece)
        self._pos += size
        self._largest = max(self._largest, size)
        return value

    def _resync(self, error: _Error) -> _Malformed:
        """After a malformed element: move to the next element's '{' if a separator follows."""
        if self._separator is None or error.truncated:
            return _Malformed(error.offset, error.message, truncated=error.truncated)
        start = max(self._pos + 1, error.offset - self._base - 256)
        while True:
            found = self._separator.search(self._buf, start)
            if found is not None:
                self._pos = found.start(1)
                return _Malformed(error.offset, error.message, resumed_at=self._offset())
            keep = max(self._pos, len(self._buf) - 4096)
            start -= keep - self._pos  # _fill drops everything before _pos
            self._pos = keep
            start = max(start, 0)
            if not self._fill():
                self._pos = len(self._buf)
                return _Malformed(error.offset, error.message)


class _Error(Exception):
    def __init__(self, offset: int, message: str, truncated: bool = False) -> None:
        super().__init__(message)
        self.offset, self.message, self.truncated = offset, message, truncated


_NOT_FOUND = object()


def _char_to_byte(data: memoryview, chars: int) -> int:
    """The byte offset in UTF-8 ``data`` of character ``chars`` (orjson counts characters)."""
    end, counted = 0, 0
    while counted < chars:
        step = chars - counted  # each byte holds at most one character
        segment = bytes(data[end : end + step])
        counted += len(segment.translate(None, _CONTINUATION))
        end += len(segment)
        if not segment:
            break
    while end < len(data) and data[end] in _CONTINUATION:
        end += 1
    return end


def _first_value(data: memoryview) -> tuple[bool, Any, int]:
    """``(True, value, end)`` for the JSON value ``data`` starts with (``end``: the byte after
    it, or after the whitespace that follows it), else ``(False, message, error offset)``.
    Returns instead of raising: a traceback would keep ``data`` and so lock the buffer."""
    try:
        return True, orjson.loads(data), len(data)
    except orjson.JSONDecodeError as exc:
        message, at = exc.msg, exc.pos
    if message.startswith(_AFTER_DOCUMENT):  # orjson counts characters, not bytes
        end = _char_to_byte(data, at)
        return True, orjson.loads(data[:end]), end
    return False, _plain_message(data, message), _error_byte(data, message, at)


# orjson's message when the text stops inside a value (serde_json builds: "EOF while parsing").
_END_OF_DATA = ("unexpected end of data", "EOF while parsing")


def _truncated(data: memoryview, message: str, what: str) -> str | None:
    """The reason to give when ``data``, which runs to the end of the file, fails to parse
    because the file stops inside ``what`` (cut short: a partial download or copy); else None."""
    if message.startswith(_END_OF_DATA):
        return f"the file is truncated: it ends inside {what}"
    if "UTF-8" in message:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as bad:
            if bad.end == len(data) and bad.reason == "unexpected end of data":
                return f"the file is truncated: it ends in the middle of a UTF-8 character, inside {what}"
    return None


def _plain_message(data: bytes | memoryview, message: str) -> str:
    """orjson's message, except for invalid UTF-8, which orjson reports as "surrogates not
    allowed" whatever the fault: Python's decoder says what is wrong."""
    if "UTF-8" in message:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"the text is not valid UTF-8 ({bad.reason})"
    return message


def _error_byte(data: memoryview, message: str, at: int) -> int:
    """The byte offset in ``data`` of orjson's error at character ``at``. orjson checks UTF-8
    before parsing and then reports position 0, so invalid UTF-8 is located by Python's decoder."""
    if "UTF-8" in message:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as bad:
            return bad.start
    return _char_to_byte(data, at)


def _where_in_file(path: Path, offset: int) -> str:
    """``line L, column C`` (1-based; columns count characters) of a byte offset in ``path``."""
    line, column = 1, 0
    with open(path, "rb") as file:
        while offset > 0:
            block = file.read(min(offset, 1 << 20))
            if not block:
                break
            offset -= len(block)
            newline = block.rfind(b"\n")
            if newline >= 0:
                line += block.count(b"\n")
                block = block[newline + 1 :]
                column = 0
            column += len(block.translate(None, _CONTINUATION))
    return f"line {line}, column {column + 1}"


# -- export -------------------------------------------------------------------------------


def export(thread: Any, entries: list[Any]) -> dict[str, Any]:
    """The thread as one ChatGPT conversation object (``mapping`` + ``current_node``).

    The header is the one the thread was imported from ChatGPT with
    (``thread.metadata["source"]["header"]``) with the thread's current title, else
    ``title``, ``create_time``, ``update_time``, ``id`` and ``conversation_id`` made from the
    thread. Entries imported from ChatGPT (their item is
    a mapping node) are written back from their item, with ``parent`` and ``children`` set to
    threadtree's tree as it is now (children in entry order); other entries get a new node:
    id = the entry's source id, else a uuid derived from the thread and entry ids; a ``text``
    message with the entry's role, content and ``create_time``, flagged
    ``is_visually_hidden_from_conversation`` when the entry is hidden. ``current_node`` is the
    live leaf.

    A thread that did not come from ChatGPT also names the thread it was first exported from
    (``threadtree_thread_id``: kept from the header when the thread came from such a file,
    else the thread's id), so that a re-import finds it (see ``Conversation.exported_from``).

    A ChatGPT conversation has exactly one root. A thread with several roots gets one extra,
    synthetic root node (``message: null``, like ChatGPT's own root, its id derived from that
    thread id) above them, which :func:`read` recognises and leaves out, so the roots come back
    as roots. Note also that ChatGPT hides every system message: a visible system entry comes
    back hidden.
    """
    source = thread.metadata.get("source") if isinstance(thread.metadata, dict) else None
    header = source.get("header") if isinstance(source, dict) else None
    if getattr(thread, "source_format", None) != NAME:
        header = None  # another format's header has none of ChatGPT's fields
    ids = {e.id: e.source_id if getattr(e, "source_id", None) else _made_up_id(thread.id, e.id) for e in entries}
    children: dict[int, list[int]] = {e.id: [] for e in entries}
    roots = []
    for e in entries:
        (children[e.parent_id] if e.parent_id in children else roots).append(e.id)
    if isinstance(header, dict):
        fields = dict(header)
        fields["title"] = thread.title
    else:
        fields = {"title": thread.title, "create_time": thread.created_at, "update_time": thread.updated_at,
                  "id": thread.id, "conversation_id": thread.id}
    # The thread this conversation was first exported from, kept through further round trips.
    # A conversation read from ChatGPT is found again by its own id and goes out as it came in,
    # unless it needs the synthetic root below.
    origin = fields.get(EXPORTED_FROM)
    if not isinstance(origin, str) and (header is None or len(roots) > 1):
        fields[EXPORTED_FROM] = origin = thread.id
    root_id = None
    mapping: dict[str, Any] = {}
    if len(roots) > 1:
        root_id = _made_up_id(origin, "root")
        mapping[root_id] = {"id": root_id, "message": None, "parent": None, "children": [ids[r] for r in roots]}
    for e in entries:
        node = _written_node(e, ids[e.id])
        node["parent"] = ids[e.parent_id] if e.parent_id in children else root_id
        node["children"] = [ids[c] for c in children[e.id]]
        mapping[ids[e.id]] = node
    current = ids.get(thread.current_leaf_id)
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("mapping", "current_node"):
            continue
        out[key] = value
        if key == "update_time":
            out["mapping"] = mapping
    out.setdefault("mapping", mapping)
    out["current_node"] = current
    return out


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


def _made_up_id(thread_id: str, key: object) -> str:
    return exported_id(thread_id, key)
