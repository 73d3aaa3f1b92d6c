"""simonw/llm's ``logs.db`` (docs/formats.md section 16): the legacy ``conversations`` /
``responses`` tables (llm 0.31 and before) and the message store (llm 0.32 and later).

How it maps onto threadtree (one thread per conversation; the conversation's id is the
thread's source id):

* **legacy tables**: each response is three nodes at most, chained in the order llm logged
  them (``rowid``), each response after the one before, as llm itself rebuilds a conversation:
  a hidden ``system`` node when the response's system prompt differs from the one before
  (source id ``<response id>:system``), the prompt (``<response id>:prompt``; role ``user``, or
  ``tool`` when it carries only tool results; its text as the model was sent it, fragments
  first, as llm's ``Prompt.prompt`` joins them) and the response (``<response id>``,
  ``assistant``). The prompt's item keeps ``prompt``, ``prompt_json``, ``options_json``, its
  fragments (text and source) and attachments (id, type, path, url: the bytes stay in llm's
  file) and tool results; the response's item keeps every column of its row (model, resolved
  model, times, duration, token counts and details, schema id, ``response_json``) and its tool
  calls (columns that are NULL are left out: llm's migrations add columns, and a file migrated
  by a newer llm must not read as changed). The token counts become the response's ``usage``.
  Title: the conversation's name.
* **message store**: see :mod:`threadtree.formats._llm_store` (messages by hash, branches from
  forks and from turns whose tip left the thread's chain).
* A conversation in both (llm 0.32 and later continue a legacy conversation in a thread with
  its id, re-sending its history as messages): the legacy nodes come first, and the thread's
  messages that repeat them (same role and text, in order) are those nodes, not copies.

Reported, not imported: a row that is not a response of a conversation llm could show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._llm_store import MessageStore, store_tables
from ._model import Conversation, Node, Skipped
from ._peers import Digest, PeerFile, each_conversation, has, json_or_text, looks_like, numbers
from ._reading import iso_seconds

__all__ = ["DESCRIPTION", "NAME", "read", "sniff"]

NAME = "llm"
DESCRIPTION = "simonw/llm logs.db (conversations and responses, or its message store)"

_SALT = b"threadtree llm reader 1\0"
# Columns of a legacy response row kept on its prompt's (and system's) node, not on the reply's.
_ON_THE_PROMPT = frozenset({"prompt", "system", "prompt_json", "options_json"})


def _legacy_tables(tables: dict[str, frozenset[str]]) -> bool:
    return has(tables, "responses", "id", "prompt", "response", "conversation_id", "datetime_utc") and has(
        tables, "conversations", "id", "name"
    )


def sniff(head: bytes, path: Path) -> bool:
    """An SQLite file with llm's ``conversations`` and ``responses`` tables, or its message store
    (``threads`` with ``tip_message_hash``, ``messages``, ``parts``, ``turns``)."""
    return looks_like(head, path, lambda tables: _legacy_tables(tables) or store_tables(tables))


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """Every conversation: the legacy ones in id order, then the message store's that are not
    legacy conversations, oldest first."""
    return each_conversation(Path(path), _conversations)


def _conversations(peer: PeerFile) -> Iterator[Conversation]:
    store = MessageStore(peer) if store_tables(peer.tables) else None
    legacy = _legacy_tables(peer.tables)
    names = {row[0]: row[1:] for row in peer.rows("llm_conversations")} if legacy else {}
    extras = _Extras(peer) if legacy else None
    done: set[str] = set()
    if legacy:
        assert extras is not None
        for key, responses in _grouped(peer.records("llm_responses")):
            digest = Digest(_SALT)
            nodes, notes = _legacy_nodes(responses, extras, digest)
            name, model = names.get(key, (None, None))
            conv = Conversation(
                format=NAME,
                source_id=str(key),
                title=name,
                nodes=nodes,
                current=nodes[-1].source_id if nodes else None,
                metadata={"header": {"id": key, "name": name, "model": model}},
                where=f"conversation {key!r}",
                notes=notes,
            )
            if store is not None:
                conv = store.merge(conv, digest)
            done.add(str(key))
            yield _sealed(conv, digest)
    if store is not None:
        for conv, digest in store.conversations(skip=done):
            yield _sealed(conv, digest)


def _sealed(conv: Conversation, digest: Digest) -> Conversation:
    """The conversation with its digest and its times (those of its first and last node)."""
    times = [n.created_at for n in conv.nodes if n.created_at is not None]
    return Conversation(
        conv.format,
        conv.source_id,
        conv.title,
        conv.nodes,
        conv.current,
        conv.metadata,
        min(times, default=None),
        max(times, default=None),
        conv.where,
        conv.notes,
        digest=digest.hexdigest(),
    )


def _grouped(records: Iterator[dict[str, Any]]) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    """Consecutive records with the same ``threadtree_conversation``, as (key, records)."""
    key: Any = None
    group: list[dict[str, Any]] = []
    for record in records:
        here = record.pop("threadtree_conversation")
        if group and here != key:
            yield key, group
            group = []
        key = here
        group.append(record)
    if group:
        yield key, group


class _Extras:
    """What llm's legacy tables keep beside a response (read once, by response id): tool calls
    and results, fragments, attachments."""

    def __init__(self, peer: PeerFile) -> None:
        self.calls = _by_response(peer, "llm_tool_calls", "tool_calls", "response_id")
        self.results = _by_response(peer, "llm_tool_results", "tool_results", "response_id")
        self.fragments: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        if has(peer.tables, "prompt_fragments", "response_id") and has(peer.tables, "system_fragments", "response_id"):
            for response_id, kind, content, source in peer.rows("llm_prompt_fragments"):
                self.fragments[response_id].append({"kind": kind, "content": content, "source": source})
        self.attachments: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        if has(peer.tables, "prompt_attachments", "response_id") and has(peer.tables, "attachments", "id"):
            for response_id, aid, kind, where, url in peer.rows("llm_prompt_attachments"):
                self.attachments[response_id].append({"id": aid, "type": kind, "path": where, "url": url})


def _by_response(peer: PeerFile, query: str, table: str, column: str) -> dict[Any, list[dict[str, Any]]]:
    found: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    if has(peer.tables, table, column):
        for record in peer.records(query):
            found[record.pop(column)].append(record)
    return found


def _legacy_nodes(responses: list[dict[str, Any]], extras: _Extras, digest: Digest) -> tuple[list[Node], list[str]]:
    nodes: list[Node] = []
    notes: list[str] = []
    parent: str | None = None
    system: Any = None
    for row in responses:
        rid = row.get("id")
        if not isinstance(rid, str) or not rid:
            notes.append(f"a response without an id (rowid order {len(nodes)}); not imported")
            continue
        calls, results = extras.calls.get(rid, []), extras.results.get(rid, [])
        fragments, attachments = extras.fragments.get(rid, []), extras.attachments.get(rid, [])
        digest.add(row, calls, results, fragments, attachments)
        at = iso_seconds(row.get("datetime_utc"))
        system_fragments = [f for f in fragments if f["kind"] == "system"]
        said = _system_text(row.get("system"), system_fragments)
        if said and said != system:
            system = said
            item = {"system": row.get("system"), "fragments": system_fragments}
            nodes.append(Node(f"{rid}:system", parent, "system", said, item, True, at))
            parent = nodes[-1].source_id
        prompt = row.get("prompt")
        prompt_item: dict[str, Any] = {
            "prompt": prompt,
            "prompt_json": json_or_text(row.get("prompt_json")),
            "options_json": json_or_text(row.get("options_json")),
        }
        for key, value in (
            ("fragments", [f for f in fragments if f["kind"] == "prompt"]),
            ("attachments", attachments),
            ("tool_results", results),
        ):
            if value:
                prompt_item[key] = value
        if not prompt and results:
            role, text = "tool", "\n".join(str(r.get("output") or "") for r in results)
        else:  # the prompt as the model was sent it: its fragments, then its text (llm's Prompt.prompt)
            sent = [str(f["content"]) for f in prompt_item.get("fragments", [])]
            role, text = "user", "\n".join(sent + ([prompt] if isinstance(prompt, str) and prompt else []))
        nodes.append(Node(f"{rid}:prompt", parent, role, text, prompt_item, False, at))
        reply = {
            key: json_or_text(value) if key in ("response_json", "token_details") else value
            for key, value in row.items()
            if key not in _ON_THE_PROMPT and value is not None  # a column a later llm added reads NULL
        }
        if calls:
            reply["tool_calls"] = [{**c, "arguments": json_or_text(c.get("arguments"))} for c in calls]
        response = row.get("response")
        text = response if isinstance(response, str) else ""
        if not text and calls:
            text = "\n".join(f"{c.get('name')}({c.get('arguments')})" for c in calls)
        duration = row.get("duration_ms")
        done_at = at + duration / 1000 if at is not None and isinstance(duration, (int, float)) else at
        usage = numbers({"input_tokens": row.get("input_tokens"), "output_tokens": row.get("output_tokens")})
        nodes.append(Node(rid, nodes[-1].source_id, "assistant", text, reply, False, done_at, usage or None))
        parent = rid
    return nodes, notes


def _system_text(system: Any, fragments: list[dict[str, Any]]) -> str:
    """The system prompt as the model was sent it: its fragments, then its text, stripped and
    joined by blank lines (llm's ``Prompt.system``)."""
    bits = [str(f["content"]).strip() for f in fragments] + [system.strip() if isinstance(system, str) else ""]
    return "\n\n".join(bit for bit in bits if bit)
