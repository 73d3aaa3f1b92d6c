"""A MessagePack reader, enough for LangGraph's checkpoints (docs/formats.md section 17).

LangGraph serialises a checkpoint with ormsgpack, its objects (LangChain messages, datetimes,
UUIDs...) as extension types of its own. threadtree does not depend on a MessagePack library
for one reader: this one decodes the whole format (the spec at msgpack.org), turns extension
values into JSON-able ones through a hook, and can *skip* a value without decoding it, which
is what makes reading a thread's checkpoints cheap (each repeats the history before it: the
reader finds each message's bytes and decodes only those it has not seen). Where ormsgpack is
installed (wherever LangGraph is), the LangGraph reader decodes those messages with it instead,
and with this decoder what ormsgpack refuses (formats/langgraph.py).

:func:`decode` and :func:`skip` do the work, as plain functions dispatching on the first byte
(an import reads millions of values: a method call, a ``(kind, length)`` tuple and a slice
for each header cost three times as much); :class:`Reader` walks a value's structure with them.

Errors (a cut or damaged value) raise :class:`ValueError`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

__all__ = ["CUT_SHORT", "Reader", "decode", "header_length", "skip", "unpack"]

Ext = Callable[[int, bytes], Any]

CUT_SHORT = "MessagePack value cut short"
# first byte -> (size of the length that follows, struct format of it), for str/bin/ext/array/map
_LENGTHS = {
    0xC4: (1, ">B"), 0xC5: (2, ">H"), 0xC6: (4, ">I"),  # bin
    0xD9: (1, ">B"), 0xDA: (2, ">H"), 0xDB: (4, ">I"),  # str
    0xDC: (2, ">H"), 0xDD: (4, ">I"),  # array
    0xDE: (2, ">H"), 0xDF: (4, ">I"),  # map
    0xC7: (1, ">B"), 0xC8: (2, ">H"), 0xC9: (4, ">I"),  # ext
}  # fmt: skip
_KINDS = {0xC4: "bin", 0xC5: "bin", 0xC6: "bin", 0xD9: "str", 0xDA: "str", 0xDB: "str", 0xDC: "array",
          0xDD: "array", 0xDE: "map", 0xDF: "map", 0xC7: "ext", 0xC8: "ext", 0xC9: "ext"}  # fmt: skip
_NUMBERS = {
    0xCA: (4, ">f"), 0xCB: (8, ">d"),
    0xCC: (1, ">B"), 0xCD: (2, ">H"), 0xCE: (4, ">I"), 0xCF: (8, ">Q"),
    0xD0: (1, ">b"), 0xD1: (2, ">h"), 0xD2: (4, ">i"), 0xD3: (8, ">q"),
}  # fmt: skip
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_CONSTANTS = {0xC0: None, 0xC2: False, 0xC3: True}
_unpack_from = struct.unpack_from


def _plain_ext(code: int, data: bytes) -> Any:
    return {"msgpack_ext": code, "data": data.hex()}


def header_length(data: bytes, pos: int, first: int) -> tuple[int, int]:
    """(length, position after it) of a str/bin/ext/array/map header of ``first`` at ``pos - 1``."""
    size, form = _LENGTHS[first]
    if pos + size > len(data):
        raise ValueError(CUT_SHORT)
    return _unpack_from(form, data, pos)[0], pos + size


def decode(data: bytes, pos: int, ext: Ext = _plain_ext) -> tuple[Any, int]:
    """(the value at ``pos``, the position after it). Map keys that are not strings become
    their ``str``; extension values become what ``ext(code, data)`` returns."""
    if pos >= len(data):
        raise ValueError(CUT_SHORT)
    first = data[pos]
    pos += 1
    if first < 0xC0:
        if first < 0x80:
            return first, pos
        if first >= 0xA0:  # fixstr
            end = pos + (first & 0x1F)
            if end > len(data):
                raise ValueError(CUT_SHORT)
            return data[pos:end].decode("utf-8"), end
        if first >= 0x90:  # fixarray
            return _array(data, pos, first & 0x0F, ext)
        return _map(data, pos, first & 0x0F, ext)
    if first >= 0xE0:
        return first - 0x100, pos
    if first in _CONSTANTS:
        return _CONSTANTS[first], pos
    if first in _NUMBERS:
        size, form = _NUMBERS[first]
        if pos + size > len(data):
            raise ValueError(CUT_SHORT)
        return _unpack_from(form, data, pos)[0], pos + size
    if first in _FIXEXT:
        length = _FIXEXT[first]
    elif first in _LENGTHS:
        length, pos = header_length(data, pos, first)
        kind = _KINDS[first]
        if kind == "array":
            return _array(data, pos, length, ext)
        if kind == "map":
            return _map(data, pos, length, ext)
        if kind != "ext":
            end = pos + length
            if end > len(data):
                raise ValueError(CUT_SHORT)
            return (data[pos:end].decode("utf-8") if kind == "str" else data[pos:end]), end
    else:
        raise ValueError(f"not a MessagePack value (byte {first:#04x} at {pos - 1})")
    end = pos + 1 + length  # an extension value: its code, then its bytes
    if end > len(data):
        raise ValueError(CUT_SHORT)
    return ext(_unpack_from(">b", data, pos)[0], data[pos + 1 : end]), end


def _array(data: bytes, pos: int, length: int, ext: Ext) -> tuple[list[Any], int]:
    found = []
    for _ in range(length):
        item, pos = decode(data, pos, ext)
        found.append(item)
    return found, pos


def _map(data: bytes, pos: int, length: int, ext: Ext) -> tuple[dict[str, Any], int]:
    found: dict[str, Any] = {}
    size = len(data)
    for _ in range(length):
        # Keys and most values are short strings: read here, without a call each.
        first = data[pos] if pos < size else -1
        if 0xA0 <= first <= 0xBF:
            end = pos + 1 + (first & 0x1F)
            if end > size:
                raise ValueError(CUT_SHORT)
            key: Any = data[pos + 1 : end].decode("utf-8")
            pos = end
        else:
            key, pos = decode(data, pos, ext)
            if not isinstance(key, str):
                key = str(key)
        first = data[pos] if pos < size else -1
        if 0xA0 <= first <= 0xBF:
            end = pos + 1 + (first & 0x1F)
            if end > size:
                raise ValueError(CUT_SHORT)
            found[key] = data[pos + 1 : end].decode("utf-8")
            pos = end
        elif first == 0xC0:
            found[key] = None
            pos += 1
        else:
            found[key], pos = decode(data, pos, ext)
    return found, pos


def skip(data: bytes, pos: int) -> int:
    """The position after the value at ``pos``, found without decoding it (strings, bytes and
    extension values in one step)."""
    if pos >= len(data):
        raise ValueError(CUT_SHORT)
    first = data[pos]
    pos += 1
    if first < 0xC0:
        if first < 0x80:
            return pos
        if first >= 0xA0:  # fixstr
            end = pos + (first & 0x1F)
        else:  # fixarray, fixmap
            for _ in range(first & 0x0F if first >= 0x90 else 2 * (first & 0x0F)):
                pos = skip(data, pos)
            return pos
    elif first >= 0xE0 or first in _CONSTANTS:
        return pos
    elif first in _NUMBERS:
        end = pos + _NUMBERS[first][0]
    elif first in _FIXEXT:
        end = pos + 1 + _FIXEXT[first]
    elif first in _LENGTHS:
        length, pos = header_length(data, pos, first)
        kind = _KINDS[first]
        if kind == "array" or kind == "map":
            for _ in range(length if kind == "array" else 2 * length):
                pos = skip(data, pos)
            return pos
        end = pos + length + (kind == "ext")
    else:
        raise ValueError(f"not a MessagePack value (byte {first:#04x} at {pos - 1})")
    if end > len(data):
        raise ValueError(CUT_SHORT)
    return end


class Reader:
    """Values read one after the other from ``data``, from ``position``."""

    __slots__ = ("data", "ext", "position")

    def __init__(self, data: bytes, position: int = 0, ext: Ext = _plain_ext) -> None:
        self.data = data
        self.position = position
        self.ext = ext

    def head(self) -> tuple[str, int]:
        """The kind of the next value (``"map"``, ``"array"``, ``"str"``, ``"bin"``, ``"ext"`` or
        ``"scalar"``) and its length (entries, items or bytes), its header read. For an
        ``"ext"``, the code is the next byte; for ``"scalar"`` call :meth:`value`."""
        data, pos = self.data, self.position
        if pos >= len(data):
            raise ValueError(CUT_SHORT)
        first = data[pos]
        if 0x80 <= first <= 0x8F:
            self.position += 1
            return "map", first & 0x0F
        if 0x90 <= first <= 0x9F:
            self.position += 1
            return "array", first & 0x0F
        if 0xA0 <= first <= 0xBF:
            self.position += 1
            return "str", first & 0x1F
        if first in _FIXEXT:
            self.position += 1
            return "ext", _FIXEXT[first]
        if first in _LENGTHS:
            length, self.position = header_length(data, pos + 1, first)
            return _KINDS[first], length
        return "scalar", 0

    def value(self) -> Any:
        """Decode the next value."""
        found, self.position = decode(self.data, self.position, self.ext)
        return found

    def skip(self) -> None:
        """Step over the next value without decoding it."""
        self.position = skip(self.data, self.position)


def unpack(data: bytes, ext: Ext = _plain_ext) -> Any:
    """The one value ``data`` holds."""
    found, end = decode(data, 0, ext)
    if end != len(data):
        raise ValueError("extra bytes after the MessagePack value")
    return found
