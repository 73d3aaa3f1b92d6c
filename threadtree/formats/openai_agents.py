"""OpenAI Agents SDK session files: ``SQLiteSession`` and ``AdvancedSQLiteSession`` (docs/formats.md
section 15).

The SDK keeps a session as rows of ``agent_messages`` (``id``, ``session_id``, ``message_data``:
one Responses API item as JSON) under a row of ``agent_sessions``. ``AdvancedSQLiteSession``
adds ``message_structure``, which lists every branch's items in order (a branch made from a
turn repeats the ids of the items it copied, sharing the rows), and ``turn_usage``, what each
turn of each branch cost.

How it maps onto threadtree (one thread per session):

* **ids**: the session id is the thread's source id and, when no thread has it, its thread id,
  so ``ThreadTreeSession(session_id)`` continues the conversation where the SDK's session
  left off. Each item's row id is its entry's source id.
* **items**: each row's ``message_data`` is the entry's ``item``, exactly as the SDK stored it
  (``get_items`` of a ``ThreadTreeSession`` gives back what the SDK's ``get_items`` gave);
  role and text as a ``ThreadTreeSession`` stores an item (:func:`threadtree.agents.item_role`,
  :func:`~threadtree.agents.item_text`). Nothing is hidden.
* **tree**: without ``message_structure`` rows, a chain in id order (the SDK's reading order),
  the live leaf the last item. With them, each branch is its items in sequence order, each
  item's parent the one before it there: the items a branch copied are the same rows, so they
  are the same entries, and the branch's first own item becomes a sibling of the turn it was
  made from. The live leaf is the end of the branch written last (the one holding the highest
  sequence number): the SDK keeps its current branch in memory only, and a branch it creates
  becomes current, as does the branch it writes to.
* **usage**: a ``turn_usage`` row (requests, input, output and total tokens, and their details
  when they are numbers) becomes the ``usage`` of its turn's last item on its branch.
* **metadata**: ``{"header": {session_id, created_at, updated_at}}``; with branches also
  ``"branches"`` (branch id -> the source id of its last item) and ``"current_branch"``.

Reported, not imported: a row whose ``message_data`` is not JSON (the SDK skips those too; the
chain goes on from the item before it); an item on no branch of an advanced session (the SDK
shows none of those); a ``message_structure`` row naming an item that is not there. The
SDK's ``sessions_table`` / ``messages_table`` options are not followed: the default table
names are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .._items import item_role, item_text
from ._model import Conversation, Node, Skipped
from ._peers import Digest, PeerFile, each_conversation, has, json_or_text, looks_like, numbers
from ._reading import iso_seconds

__all__ = ["DESCRIPTION", "NAME", "read", "sniff"]

NAME = "openai-agents"
DESCRIPTION = "OpenAI Agents SDK SQLiteSession / AdvancedSQLiteSession file (agent_sessions, agent_messages)"

_SALT = b"threadtree openai-agents reader 1\0"
_Item = tuple[str, str, str, Any, "float | None"]  # source id, role, text, item, time


def _tables_match(tables: dict[str, frozenset[str]]) -> bool:
    return has(tables, "agent_messages", "id", "session_id", "message_data") and has(
        tables, "agent_sessions", "session_id"
    )


def sniff(head: bytes, path: Path) -> bool:
    """An SQLite file with the SDK's ``agent_sessions`` and ``agent_messages`` tables."""
    return looks_like(head, path, _tables_match)


def read(path: Path) -> Iterator[Conversation | Skipped]:
    """One conversation per session, sessions in id order (see the module docstring)."""
    return each_conversation(Path(path), _sessions)


def _sessions(peer: PeerFile) -> Iterator[Conversation]:
    advanced = has(
        peer.tables, "message_structure", "session_id", "branch_id", "message_id", "sequence_number"
    ) and has(peer.tables, "turn_usage", "session_id", "branch_id", "user_turn_number")
    for session_id, created, updated in list(peer.rows("agents_sessions")):
        yield _session(peer, str(session_id), created, updated, advanced)


def _session(peer: PeerFile, session_id: str, created: Any, updated: Any, advanced: bool) -> Conversation:
    digest = Digest(_SALT)
    digest.add(session_id, created, updated)
    notes: list[str] = []
    items: dict[int, _Item] = {}
    rows = []
    for row_id, data, at in peer.rows("agents_messages", {"session_id": session_id}):
        rows.append((row_id, data, at))
        try:
            item = orjson.loads(data)
        except (orjson.JSONDecodeError, TypeError):
            notes.append(f"item {row_id}: message_data is not JSON (the SDK skips it too); not imported")
            continue
        if isinstance(item, dict):
            role, text = item_role(item), item_text(item)
        else:
            role, text = "other", orjson.dumps(item).decode()
        items[row_id] = (str(row_id), role, text, item, iso_seconds(at))
    digest.add(rows)
    metadata: dict[str, Any] = {"header": {"session_id": session_id, "created_at": created, "updated_at": updated}}
    structure = list(peer.rows("agents_structure", {"session_id": session_id})) if advanced else []
    if structure:
        usage = list(peer.rows("agents_turn_usage", {"session_id": session_id}))
        digest.add(structure, usage)
        nodes, current, branches = _branches(items, structure, usage, notes)
        metadata |= {"branches": branches, "current_branch": current}
        leaf = branches.get(current) if current is not None else None
    else:
        nodes, leaf = [], None
        for sid, role, text, item, at in items.values():
            nodes.append(Node(sid, leaf, role, text, item, False, at))
            leaf = sid
    times = [n.created_at for n in nodes if n.created_at is not None]
    return Conversation(
        format=NAME,
        source_id=session_id,
        title=None,
        nodes=nodes,
        current=leaf,
        metadata=metadata,
        created_at=iso_seconds(created) or min(times, default=None),
        updated_at=iso_seconds(updated) or max(times, default=None),
        where=f"session {session_id!r}",
        notes=notes,
        digest=digest.hexdigest(),
        thread_id=session_id,
    )


def _branches(
    items: dict[int, _Item], structure: list[tuple[Any, ...]], usage_rows: list[tuple[Any, ...]], notes: list[str]
) -> tuple[list[Node], str | None, dict[str, str | None]]:
    """The nodes of an advanced session (main's first, then each branch's own items), the
    branch written last, and each branch's last item."""
    parents: dict[int, int | None] = {}
    order: list[int] = []
    tips: dict[str, int | None] = {}
    turn_ends: dict[tuple[str, Any], int] = {}  # (branch, user turn) -> the turn's last item
    newest: tuple[Any, str] | None = None
    for branch, message_id, turn, sequence in structure:
        branch = str(branch)
        previous = tips.setdefault(branch, None)
        if newest is None or _key(sequence) >= _key(newest[0]):
            newest = (sequence, branch)
        if message_id not in items:
            notes.append(f"branch {branch!r} names item {message_id}, which is not there (or not JSON); skipped it")
            continue
        if message_id not in parents:
            parents[message_id] = previous
            order.append(message_id)
        elif parents[message_id] != previous:
            notes.append(
                f"item {message_id} follows item {previous} on branch {branch!r} but item "
                f"{parents[message_id]} elsewhere; kept it after item {parents[message_id]}"
            )
        tips[branch] = message_id
        turn_ends[(branch, turn)] = message_id
    usage = _usage(usage_rows, turn_ends, notes)
    stray = len(items.keys() - parents.keys())
    if stray:
        notes.append(f"{stray} items are on no branch (AdvancedSQLiteSession shows none of them); not imported")
    nodes = []
    for mid in order:
        sid, role, text, item, at = items[mid]
        parent = parents[mid]
        nodes.append(Node(sid, None if parent is None else str(parent), role, text, item, False, at, usage.get(mid)))
    branches = {branch: None if tip is None else str(tip) for branch, tip in tips.items()}
    return nodes, (None if newest is None else newest[1]), branches


def _key(sequence: Any) -> tuple[int, Any]:
    """Sequence numbers compared as numbers, anything else after them (a damaged row)."""
    return (0, sequence) if isinstance(sequence, (int, float)) else (1, str(sequence))


def _usage(
    rows: list[tuple[Any, ...]], turn_ends: dict[tuple[str, Any], int], notes: list[str]
) -> dict[int, dict[str, Any]]:
    """The usage of each turn's last item, from turn_usage rows."""
    found: dict[int, dict[str, Any]] = {}
    for branch, turn, requests, inputs, outputs, total, input_details, output_details in rows:
        end = turn_ends.get((str(branch), turn))
        if end is None:
            notes.append(f"usage of turn {turn} of branch {branch!r}: the turn has no items; not imported")
            continue
        usage = numbers(
            {
                "requests": requests,
                "input_tokens": inputs,
                "output_tokens": outputs,
                "total_tokens": total,
                "input_tokens_details": json_or_text(input_details),
                "output_tokens_details": json_or_text(output_details),
            }
        )
        if end in found and found[end] != usage:
            notes.append(f"item {end} ends turn {turn} on two branches with different usage; kept the first")
            continue
        found[end] = usage
    return found
