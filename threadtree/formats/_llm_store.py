"""llm's message store (llm 0.32 and later; docs/formats.md section 16.2): content-addressed
``messages`` (a hash over the content and the parent's hash) with their ``parts``, ``threads``
pointing at a tip message (a fork is a thread pointing at an existing message, with
``forked_from``), and ``turns`` (one model call each: the message it was sent up to, the tip it
left, model, tokens, times).

How it maps onto threadtree:

* **one thread per family**: a thread of llm and every thread forked from it (transitively)
  are one conversation, keyed by the first thread's id (which, for a conversation begun in the
  legacy tables, is the conversation's id). Its nodes are the messages on the chains of every
  thread's tip and of every turn's tip (a tip a thread has since left is a branch too), each
  message once: a prefix two chains share is the same rows, so the same nodes. Source id: the
  message's hash.
* **entries**: role as llm has it (``system`` hidden); text: the text parts, a tool call as
  ``name(arguments)``, a tool result's output, ``[attachment <type>]`` (reasoning stays in the
  item); item: ``{hash, role, parts, provider_metadata}``, parts with their fragments resolved
  and attachments as ``{id, type, path, url}``. Each message gets the time of the first turn
  that added it; the tip of a turn also keeps the turn (``item["turn"]``: model, resolved
  model, options, token counts and details, duration, time, the provider's condensed payload)
  and its token counts as ``usage``.
* **live leaf**: the tip of the family's thread used last (latest turn, else creation).
* ``metadata["source"]``: ``{"threads": {id: {name, tip, forked_from, datetime_utc}}}``.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import orjson

from ._model import Conversation, Node
from ._peers import Digest, PeerFile, has, json_or_text, numbers
from ._reading import iso_seconds

__all__ = ["MessageStore", "store_tables"]

_NAME = "llm"
_SALT = b"threadtree llm reader 1\0"


def store_tables(tables: dict[str, frozenset[str]]) -> bool:
    """Whether the file has llm's message store."""
    return (
        has(tables, "threads", "id", "name", "tip_message_hash", "forked_from")
        and has(tables, "messages", "hash", "parent_hash", "role")
        and has(tables, "parts", "message_hash", "position", "type", "text", "payload")
        and has(tables, "turns", "id", "thread_id", "parent_message_hash", "tip_message_hash")
    )


class MessageStore:
    """llm's message store in one file, read at once but for the parts (read per message)."""

    def __init__(self, peer: PeerFile) -> None:
        self.peer = peer
        self.threads = {row[0]: row for row in peer.rows("llm_threads")}
        self.messages = {row[0]: row[1:] for row in peer.rows("llm_messages")}
        self.turns: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for turn in peer.records("llm_turns"):
            self.turns[turn.get("thread_id")].append(turn)
        self.families: dict[Any, list[Any]] = defaultdict(list)
        for tid in self.threads:
            self.families[self._root(tid)].append(tid)
        self._fragments: dict[Any, Any] = {}

    def _root(self, tid: Any) -> Any:
        seen = {tid}
        while (parent := self.threads[tid][3]) in self.threads and parent not in seen:
            tid = parent
            seen.add(tid)
        return tid

    def conversations(self, skip: set[str]) -> Iterator[tuple[Conversation, Digest]]:
        """A conversation per family whose key is not in ``skip`` (the legacy ones merged)."""
        for root in self.families:
            if str(root) in skip:
                continue
            digest = Digest(_SALT)
            nodes, leaf, metadata, notes = self._family(root, digest)
            conv = Conversation(
                format=_NAME,
                source_id=str(root),
                title=self.threads[root][1],
                nodes=nodes,
                current=leaf,
                metadata=metadata,
                where=f"thread {root!r}",
                notes=notes,
            )
            yield conv, digest

    def merge(self, legacy: Conversation, digest: Digest) -> Conversation:
        """A legacy conversation with the family of the thread of the same id, if there is one:
        the messages that repeat the legacy nodes (same role and text, from the root on) are
        those nodes."""
        root = legacy.source_id
        if root not in self.families:
            return legacy
        nodes, leaf, metadata, notes = self._family(root, digest)
        by_id = {node.source_id: node for node in nodes}
        alias: dict[str, str] = {}
        chain = _chain(by_id, self.threads[root][2])
        for node, old in zip(chain, legacy.nodes):
            if (node.role, node.content) != (old.role, old.content):
                break
            alias[node.source_id] = old.source_id
        repeated = len(alias)
        if repeated < min(len(chain), len(legacy.nodes)):
            notes.append(
                f"thread {root!r} repeats {len(legacy.nodes)} legacy nodes; {repeated} matched by role and text, "
                "the rest of the thread is kept as it is"
            )
        merged = list(legacy.nodes) + [
            _moved(node, None if node.parent is None else alias.get(node.parent, node.parent))
            for node in nodes
            if node.source_id not in alias
        ]
        return Conversation(
            legacy.format,
            legacy.source_id,
            legacy.title or self.threads[root][1],
            merged,
            alias.get(leaf, leaf) if leaf is not None else legacy.current,
            legacy.metadata | metadata,
            where=legacy.where,
            notes=legacy.notes + notes,
        )

    def _family(self, root: Any, digest: Digest) -> tuple[list[Node], str | None, dict[str, Any], list[str]]:
        members = self.families[root]
        notes: list[str] = []
        turns = sorted((t for tid in members for t in self.turns.get(tid, [])), key=_when)
        # Turns first, oldest first: siblings are then in the order llm added them.
        tips = [t.get("tip_message_hash") for t in turns] + [self.threads[tid][2] for tid in members]
        order: list[str] = []
        placed: set[str] = set()
        for tip in tips:
            climb: list[str] = []
            at = tip
            while at is not None and at not in placed:
                if at not in self.messages:
                    notes.append(f"message {at} is not in the file; the messages below it start a new root")
                    break
                climb.append(at)
                placed.add(at)
                at = self.messages[at][0]
            order.extend(reversed(climb))
        made_by: dict[str, dict[str, Any]] = {}
        for turn in turns:
            at = turn.get("tip_message_hash")
            while at is not None and at != turn.get("parent_message_hash") and at in self.messages:
                made_by.setdefault(at, turn)
                at = self.messages[at][0]
        for tid in members:
            digest.add(*self.threads[tid])
        for turn in turns:
            digest.add(turn)
        digest.add(*order)
        fallback = iso_seconds(self.threads[root][4])
        parts = self._parts(order)
        nodes = [self._node(mid, made_by.get(mid), fallback, parts) for mid in order]
        used = max(members, key=self._last_used)
        leaf = self.threads[used][2]
        metadata = {
            "threads": {
                tid: {"name": name, "tip": tip, "forked_from": forked, "datetime_utc": at}
                for tid, name, tip, forked, at in (self.threads[t] for t in members)
            }
        }
        return nodes, leaf if leaf in placed else None, metadata, notes

    def _last_used(self, tid: Any) -> tuple[float, str]:
        """When thread ``tid`` was last used: its latest turn, else its creation."""
        return max(
            [_when(turn) for turn in self.turns.get(tid, [])]
            + [_when({"datetime_utc": self.threads[tid][4], "id": tid})]
        )

    def _parts(self, hashes: list[Any]) -> dict[Any, list[tuple[Any, ...]]]:
        """The parts' rows of these messages, by message: read in one statement (a message's
        hash is a string; anything else, in a damaged file, is looked up on its own)."""
        found: dict[Any, list[tuple[Any, ...]]] = {}
        named = [mid for mid in hashes if type(mid) is str]
        for mid, *row in self.peer.rows("llm_family_parts", {"message_hashes": orjson.dumps(named).decode()}):
            found.setdefault(mid, []).append(tuple(row))
        for mid in hashes:
            if type(mid) is not str:
                found[mid] = list(self.peer.rows("llm_parts", {"message_hash": mid}))
        return found

    def _node(
        self, mid: str, turn: dict[str, Any] | None, fallback: float | None, rows: dict[Any, list[tuple[Any, ...]]]
    ) -> Node:
        parent, role, provider_metadata = self.messages[mid]
        parts = [self._part(*row) for row in rows.get(mid, ())]
        item: dict[str, Any] = {"hash": mid, "role": role, "parts": parts}
        if provider_metadata is not None:
            item["provider_metadata"] = json_or_text(provider_metadata)
        usage = None
        if turn is not None and turn.get("tip_message_hash") == mid:
            item["turn"] = {
                key: json_or_text(value) if key.endswith("_json") or key == "token_details" else value
                for key, value in turn.items()
            }
            usage = numbers({"input_tokens": turn.get("input_tokens"), "output_tokens": turn.get("output_tokens")})
        at = _seconds(turn.get("datetime_utc")) if turn is not None else None
        role = role if isinstance(role, str) and role.strip() else "other"
        return Node(mid, parent, role, _text(parts), item, role == "system", at or fallback, usage or None)

    def _part(self, kind: Any, tool: Any, text: Any, payload: Any) -> dict[str, Any]:
        """A part as llm's ``Part.to_dict`` has it: fragment references resolved to their text,
        attachments as their rows (without the bytes)."""
        part = json_or_text(payload) if payload is not None else {}
        part = dict(part) if isinstance(part, dict) else {"payload": part}
        part["type"] = kind
        if text is not None:
            part["text"] = text
        pieces = part.pop("text_ref", None)
        if isinstance(pieces, list):
            part["text"] = "".join(self._piece(piece) for piece in pieces)
        if isinstance(part.get("attachment"), dict):
            part["attachment"] = self._attachment(part["attachment"].get("id"))
        if isinstance(part.get("attachments"), list):
            part["attachments"] = [
                self._attachment(a.get("id") if isinstance(a, dict) else a) for a in part["attachments"]
            ]
        return part

    def _piece(self, piece: Any) -> str:
        if not isinstance(piece, dict):
            return ""
        if "literal" in piece:
            return str(piece["literal"])
        fid = piece.get("fragment")
        if fid not in self._fragments:
            self._fragments[fid] = self.peer.value("llm_fragment", {"fragment_id": fid})
        content = self._fragments[fid]
        return content if isinstance(content, str) else ""

    def _attachment(self, aid: Any) -> Any:
        for row in self.peer.rows("llm_attachment", {"attachment_id": aid}):
            return dict(zip(("id", "type", "path", "url"), row))
        return {"id": aid}


def _text(parts: list[dict[str, Any]]) -> str:
    """The readable text of a message's parts (see the module docstring)."""
    lines = []
    for part in parts:
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            lines.append(part["text"])
        elif kind == "tool_call":
            # as llm's legacy tool_calls.arguments has it (json.dumps), so that a thread that
            # repeats a legacy conversation is recognised (MessageStore.merge)
            arguments = part.get("arguments")
            shown = arguments if isinstance(arguments, str) else json.dumps(arguments)
            lines.append(f"{part.get('name')}({shown})")
        elif kind == "tool_result":
            output = part.get("output")
            lines.append(output if isinstance(output, str) else orjson.dumps(output).decode())
        elif kind == "attachment":
            attachment = part.get("attachment")
            lines.append(f"[attachment {attachment.get('type') if isinstance(attachment, dict) else ''}]".rstrip())
    return "\n".join(lines)


def _chain(by_id: dict[str, Node], tip: Any) -> list[Node]:
    """The nodes from the root to ``tip``."""
    found = []
    while tip in by_id:
        found.append(by_id[tip])
        tip = by_id[tip].parent
    return found[::-1]


def _moved(node: Node, parent: str | None) -> Node:
    return Node(node.source_id, parent, node.role, node.content, node.item, node.hidden, node.created_at, node.usage)


def _when(turn: dict[str, Any]) -> tuple[float, str]:
    return (_seconds(turn.get("datetime_utc")) or 0.0, str(turn.get("id")))


# A turn's time is wanted three times (sorting a family's turns, finding the thread used last,
# dating the messages it made): parsed once. Column values are all hashable.
_seconds = functools.lru_cache(maxsize=1024, typed=True)(iso_seconds)
