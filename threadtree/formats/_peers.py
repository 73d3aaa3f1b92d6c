"""What the readers of the peers' SQLite stores share (docs/formats.md section 14): recognising
a file by its tables, opening it read-only and a digest of what a conversation was read from.

The file itself is opened by the storage floor (:class:`threadtree._db.peers.PeerFile`): never
written, nothing created beside it, one snapshot for the whole import.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from .._db.peers import PeerFile, is_sqlite, schema_of
from ..errors import InvalidInput
from ._model import Conversation, Skipped

__all__ = ["Digest", "PeerFile", "each_conversation", "has", "json_or_text", "looks_like", "numbers"]

# threadtree's own PRAGMA application_id ('thtr'): a threadtree database is never a peer's file.
_THREADTREE = 0x74687472


def looks_like(head: bytes, path: Path, wanted: Callable[[dict[str, frozenset[str]]], bool]) -> bool:
    """For a reader's ``sniff``: an SQLite file (not threadtree's own) whose tables ``wanted`` accepts."""
    if not is_sqlite(head):
        return False
    found = schema_of(path)
    if found is None:
        return False
    application_id, tables = found
    return application_id != _THREADTREE and wanted(tables)


def has(tables: dict[str, frozenset[str]], table: str, *columns: str) -> bool:
    """Whether ``tables`` has ``table`` with (at least) these columns."""
    found = tables.get(table)
    return found is not None and found.issuperset(columns)


def each_conversation(
    path: Path, read: Callable[[PeerFile], Iterator[Conversation | Skipped]]
) -> Iterator[Conversation | Skipped]:
    """Open ``path`` read-only and yield what ``read`` makes of it; stop, saying so, when the file
    changes under the import (an app started writing to a file opened ``immutable``) or cannot
    be read on."""
    try:
        peer = PeerFile(path)
    except InvalidInput as exc:
        yield Skipped("file", str(exc))
        return
    with peer:
        try:
            for got in read(peer):
                if peer.changed():
                    yield Skipped("file", "the file changed while it was read (its app wrote to it): import it again")
                    return
                yield got
        except InvalidInput as exc:
            yield Skipped("file", str(exc))


class Digest:
    """A digest of the rows a conversation was read from, and of the reader's mapping (its
    ``salt``): the same rows give the same digest, so a re-import skips an unchanged
    conversation without comparing it node by node."""

    __slots__ = ("_hash",)

    def __init__(self, salt: bytes) -> None:
        self._hash = hashlib.blake2b(salt, digest_size=16)

    def add(self, *values: Any) -> None:
        """Feed one row: JSON values (bytes as hex), in one encoding call."""
        self._hash.update(_dumps(values, default=_hex, option=orjson.OPT_NON_STR_KEYS))
        self._hash.update(b"\n")

    def add_bytes(self, data: bytes) -> None:
        """Feed a large value as it is (a LangGraph checkpoint)."""
        self._hash.update(b"%d:" % len(data))
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


_dumps = orjson.dumps


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not a column value")


def json_or_text(value: Any) -> Any:
    """A column that holds JSON text, parsed; the value as it is when it is not JSON (a damaged
    row, or a column that holds plain text in some rows)."""
    if not isinstance(value, (str, bytes)):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value if isinstance(value, str) else None


def numbers(values: Any) -> dict[str, Any]:
    """The entries of a dict that are finite numbers, or dicts of them (a usage holds numbers
    only); ``{}`` for anything else."""
    if not isinstance(values, dict):
        return {}
    found: dict[str, Any] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            continue
        if isinstance(value, dict):
            inner = numbers(value)
            if inner:
                found[key] = inner
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            found[key] = value
    return found
