"""What a format reader hands to the import engine, and what an exporter receives.

A reader (one module per format) turns a file into :class:`Conversation` values, one per
conversation, and :class:`Skipped` values for conversations it could not read. It never
touches the database: the engine (:mod:`threadtree.formats._engine`) resolves the tree,
repairs what must be repaired (dangling parents, cycles, duplicate ids, a missing live leaf)
and writes each conversation in one transaction.

A format module defines:

``NAME``
    the name users type (``threadtree import --format NAME``), e.g. ``"chatgpt"``.
``DESCRIPTION``
    one line for error messages and ``--help``.
``sniff(head: bytes, path: pathlib.Path) -> bool``
    whether the file looks like this format; ``head`` is the file's first 1 MiB (the whole
    file when smaller). Cheap and strict: a wrong yes sends a file to the wrong reader.
``accepts(head: bytes, path: pathlib.Path) -> bool``  (optional)
    whether a file named as this format (``--format``) has the shape the reader needs;
    without it, ``sniff`` decides. Looser than ``sniff`` where a damaged file of the format
    should reach the reader, which reports the damage line by line (threadtree's own dump).
``read(path: pathlib.Path) -> Iterator[Conversation | Skipped]``
    the conversations of the file, streamed where the format allows (a large file must not
    be loaded whole when it can be read a conversation or a line at a time).
``export(thread: Thread, entries: list[Entry]) -> Any``  (optional)
    the thread in this format as a JSON value. ``entries`` are every entry of the thread in
    id order (parents before children); ``thread.current_leaf_id`` is the live leaf.
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs

__all__ = ["EXPORTED_FROM", "Conversation", "Node", "Skipped", "exported_id"]

# The key threadtree's exporters add to a conversation written from a thread that did not come
# from that format, naming the thread: a re-import of the file then finds it (Conversation.exported_from).
EXPORTED_FROM = "threadtree_thread_id"
# Namespace of the node ids the exporters make up for entries that have no source id.
_EXPORT_NAMESPACE = uuid.UUID("7f3c2a4e-1b9d-4c65-9a0e-5d2f8b6c1e03")


def exported_id(thread_id: str, entry_id: object) -> str:
    """The node id an exporter gives entry ``entry_id`` of thread ``thread_id`` when the entry
    has no ``source_id``. The import engine computes the same ids to recognise those entries
    when the file comes back, so the two must not drift apart."""
    return str(uuid.uuid5(_EXPORT_NAMESPACE, f"{thread_id}/{entry_id}"))


@attrs.frozen
class Node:
    """One message (or hidden item) of a conversation, as the source wrote it.

    :ivar source_id: the node's id in the source, unique inside its conversation. Becomes the
        entry's ``source_id``: a later import of the same conversation matches entries on it.
    :ivar parent: the parent's ``source_id``; ``None`` for a root.
    :ivar role: ``user``, ``assistant``, ``system``, ``tool`` or ``other``.
    :ivar content: the readable text (for display and search).
    :ivar item: the complete original node, as a JSON parser gave it: nothing of the source
        is lost. Stored as it is, without the store's check that a value comes back equal
        (a parsed value always does): do not put NaN, tuples or other Python-only values in.
    :ivar hidden: system prompts, tool plumbing, metadata: kept, not shown by default.
    :ivar created_at: Unix seconds when the source says, else ``None``.
    :ivar usage: what producing the message cost, as the source counted it: a dict of numbers
        (or of dicts of numbers), e.g. ``{"input_tokens": 812, "output_tokens": 95}``; becomes
        the entry's ``usage`` (:meth:`threadtree.Store.usage` adds them up). ``None``: unknown.
    :ivar content_at: where in ``item`` the reader took ``content`` from, when it is one of
        the item's strings as it is (keys and list indexes from the top, e.g.
        ``("message", "content", "parts", 0)``): the engine then stores the item without
        that copy of the text without searching for it. ``None``: the engine searches. A
        hint, not the node's data: two nodes are equal whatever it says.
    """

    source_id: str
    parent: str | None
    role: str
    content: str
    item: Any
    hidden: bool = False
    created_at: float | None = None
    usage: Any = None
    content_at: tuple[str | int, ...] | None = attrs.field(default=None, eq=False)


@attrs.frozen
class Conversation:
    """One conversation read from a file.

    :ivar format: the format's ``NAME``.
    :ivar source_id: the conversation's id in the source (with ``format``, the key that
        makes a second import update the same thread).
    :ivar title: the title, or ``None``.
    :ivar nodes: every node. Order matters only among siblings: siblings are created in the
        order they appear here, so list them in the source's own sibling order.
    :ivar current: the ``source_id`` of the live leaf by the format's own pointer, after the
        format's own fallbacks; ``None`` (or an id that is not among the nodes) lets the
        engine choose the newest leaf.
    :ivar metadata: kept in the thread's metadata under ``"source"``: the thread-level JSON of
        the source without its messages (``{"header": ...}``) and anything an exporter or a
        link needs (e.g. ``{"parent_session": ...}``).
    :ivar created_at: Unix seconds, or ``None``.
    :ivar updated_at: Unix seconds, or ``None``.
    :ivar where: where in the file, for reports: ``"conversation 3 (id 67a1...)"``.
    :ivar notes: what the reader repaired or noticed, reported with the import.
    :ivar exported_from: the id of the thread threadtree exported this conversation from (the
        file's :data:`EXPORTED_FROM` key), or ``None``. When no thread was imported from
        (``format``, ``source_id``), the import matches that thread instead: its entries by
        ``source_id`` or by :func:`exported_id`, without rewriting them.
    :ivar digest: a digest of the conversation's bytes in the file (and of the reader's
        mapping), or ``None``. Kept in the thread's ``metadata["source"]``: a conversation whose
        digest is the one kept is known to be unchanged without being compared node by node.
    :ivar thread_id: the id the thread takes when the import creates it, if no thread has it
        (else a random one, with a note); ``None``: a random id. An Agents SDK session keeps
        its session id this way, so that ``ThreadTreeSession(session_id)`` continues it.
    """

    format: str
    source_id: str
    title: str | None
    nodes: list[Node]
    current: str | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    created_at: float | None = None
    updated_at: float | None = None
    where: str = ""
    notes: list[str] = attrs.field(factory=list)
    exported_from: str | None = None
    digest: str | None = None
    thread_id: str | None = None


@attrs.frozen
class Skipped:
    """A conversation (or line, or the whole file) that could not be read.

    :ivar where: ``"conversation 3"``, ``"line 17, column 4"``...
    :ivar reason: why, in a sentence.
    """

    where: str
    reason: str
