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
conversation (found by the key the conversations start with, see
:class:`~threadtree.formats._chatgpt_stream._ArrayElements`).

The array is read one conversation at a time (:mod:`threadtree.formats._chatgpt_stream`), so
memory stays near the size of the largest conversation, whatever the size of the file. What
one mapping node becomes (role, text, visibility), the order of siblings and the live leaf are
in :mod:`threadtree.formats._chatgpt_nodes`.

:func:`export` writes a thread back as one conversation object (see its docstring).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from ._chatgpt_nodes import (
    _in_sibling_order,
    _json_type,
    _live_leaf,
    _node,
    _seconds,
    _text,  # noqa: F401  (the tests reach the text rules as chatgpt._text)
    _written_node,
)
from ._chatgpt_stream import (
    _ArrayElements,
    _error_byte,
    _Malformed,
    _plain_message,
    _skip_ws,
    _truncated,
    _where_in_file,
)
from ._model import EXPORTED_FROM, Conversation, Skipped, exported_id

__all__ = ["DESCRIPTION", "NAME", "export", "read", "sniff"]

NAME = "chatgpt"
DESCRIPTION = "ChatGPT data export (conversations.json, or one conversation object)"

# Part of every conversation's digest: bump it when the mapping from a conversation to nodes
# changes, so that a re-import compares node by node instead of trusting the old digest.
_DIGEST_SALT = b"threadtree chatgpt reader 1\0"


# -- sniff --------------------------------------------------------------------------------

_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]', re.DOTALL)
_COLON = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*(.)", re.DOTALL)


def sniff(head: bytes, path: Path) -> bool:
    """True when ``head`` holds a conversation object with a ``"mapping"`` key whose value is
    an object: the file's one JSON object, or an element of its top-level JSON array (the
    first that has one; every element before it must be an object too). Keys are found at
    the right depth by a tokenizer that skips strings, not by a text search."""
    start = _skip_ws(head)
    in_array = head[start : start + 1] == b"["
    if in_array:
        start = _skip_ws(head, start + 1)
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

_CHUNK = 1 << 23  # bytes read at a time from an array (8 MiB)


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """The conversations of ``path``, one at a time; :class:`Skipped` for each one that cannot
    be read (and for a file that is neither a JSON array nor an object)."""
    path = Path(path)
    with open(path, "rb") as file:
        head = file.read(1 << 16)
        first = head[_skip_ws(head) :][:1]
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
        elements = _ArrayElements(file, _CHUNK, _digest)
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
    roots: list[int] = []
    for e in entries:
        (children[e.parent_id] if e.parent_id in children else roots).append(e.id)
    if isinstance(header, dict):
        fields = dict(header)
        fields["title"] = thread.title
    else:
        fields = {
            "title": thread.title,
            "create_time": thread.created_at,
            "update_time": thread.updated_at,
            "id": thread.id,
            "conversation_id": thread.id,
        }
    # The thread this conversation was first exported from, kept through further round trips.
    # A conversation read from ChatGPT is found again by its own id and goes out as it came in,
    # unless it needs the synthetic root below.
    kept = fields.get(EXPORTED_FROM)
    origin: str = kept if isinstance(kept, str) else thread.id
    if not isinstance(kept, str) and (header is None or len(roots) > 1):
        fields[EXPORTED_FROM] = origin
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


def _made_up_id(thread_id: str, key: object) -> str:
    return exported_id(thread_id, key)
