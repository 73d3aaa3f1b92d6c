"""A MessagePack reader, enough for LangGraph's checkpoints (docs/formats.md section 17).

LangGraph serialises a checkpoint with ormsgpack, its objects (LangChain messages, datetimes,
UUIDs...) as extension types of its own. threadtree does not depend on a MessagePack library
for one reader: this one decodes the whole format (the spec at msgpack.org), turns extension
values into JSON-able ones through a hook, and can *skip* a value without decoding it, which
is what makes reading a thread's checkpoints cheap (each repeats the history before it: the
reader finds each message's bytes and decodes only those it has not seen).

Errors (a cut or damaged value) raise :class:`ValueError`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

__all__ = ["Reader", "unpack"]

Ext = Callable[[int, bytes], Any]

_FIXED = {
    0xC0: None,
    0xC2: False,
    0xC3: True,
}
# first byte -> (size of the length that follows, struct format of it)
_LENGTHS = {
    0xC4: (1, ">B"), 0xC5: (2, ">H"), 0xC6: (4, ">I"),  # bin
    0xD9: (1, ">B"), 0xDA: (2, ">H"), 0xDB: (4, ">I"),  # str
    0xDC: (2, ">H"), 0xDD: (4, ">I"),  # array
    0xDE: (2, ">H"), 0xDF: (4, ">I"),  # map
    0xC7: (1, ">B"), 0xC8: (2, ">H"), 0xC9: (4, ">I"),  # ext
}  # fmt: skip
_NUMBERS = {
    0xCA: (4, ">f"), 0xCB: (8, ">d"),
    0xCC: (1, ">B"), 0xCD: (2, ">H"), 0xCE: (4, ">I"), 0xCF: (8, ">Q"),
    0xD0: (1, ">b"), 0xD1: (2, ">h"), 0xD2: (4, ">i"), 0xD3: (8, ">q"),
}  # fmt: skip
_FIXEXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}


def _plain_ext(code: int, data: bytes) -> Any:
    return {"msgpack_ext": code, "data": data.hex()}


class Reader:
    """Values read one after the other from ``data``, from ``position``."""

    __slots__ = ("data", "ext", "position")

    def __init__(self, data: bytes, position: int = 0, ext: Ext = _plain_ext) -> None:
        self.data = data
        self.position = position
        self.ext = ext

    def _take(self, size: int) -> bytes:
        start = self.position
        end = start + size
        if end > len(self.data):
            raise ValueError("MessagePack value cut short")
        self.position = end
        return self.data[start:end]

    def _length(self, size: int, form: str) -> int:
        length: int = struct.unpack(form, self._take(size))[0]
        return length

    def head(self) -> tuple[str, int]:
        """The kind of the next value (``"map"``, ``"array"``, ``"str"``, ``"bin"``, ``"ext"`` or
        ``"scalar"``) and its length (entries, items or bytes), its header read. For an
        ``"ext"``, the code is read by :meth:`ext_code`; for ``"scalar"`` call :meth:`value`."""
        first = self.data[self.position] if self.position < len(self.data) else -1
        if first < 0:
            raise ValueError("MessagePack value cut short")
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
            self.position += 1
            size, form = _LENGTHS[first]
            kind = {0xC4: "bin", 0xC5: "bin", 0xC6: "bin", 0xD9: "str", 0xDA: "str", 0xDB: "str", 0xDC: "array",
                    0xDD: "array", 0xDE: "map", 0xDF: "map"}.get(first, "ext")  # fmt: skip
            return kind, self._length(size, form)
        return "scalar", 0

    def value(self) -> Any:
        """Decode the next value."""
        start = self.position
        kind, length = self.head()
        if kind == "map":
            found = {}
            for _ in range(length):
                key = self.value()
                found[key if isinstance(key, str) else str(key)] = self.value()
            return found
        if kind == "array":
            return [self.value() for _ in range(length)]
        if kind == "str":
            return self._take(length).decode("utf-8")
        if kind == "bin":
            return self._take(length)
        if kind == "ext":
            code = struct.unpack(">b", self._take(1))[0]
            return self.ext(code, self._take(length))
        self.position = start
        return self._scalar()

    def _scalar(self) -> Any:
        first = self._take(1)[0]
        if first <= 0x7F:
            return first
        if first >= 0xE0:
            return first - 0x100
        if first in _FIXED:
            return _FIXED[first]
        if first in _NUMBERS:
            size, form = _NUMBERS[first]
            return struct.unpack(form, self._take(size))[0]
        raise ValueError(f"not a MessagePack value (byte {first:#04x} at {self.position - 1})")

    def skip(self) -> None:
        """Step over the next value without decoding it (strings, bytes and extension values
        in one step)."""
        kind, length = self.head()
        if kind in ("str", "bin"):
            self._take(length)
        elif kind == "ext":
            self._take(length + 1)
        elif kind == "array":
            for _ in range(length):
                self.skip()
        elif kind == "map":
            for _ in range(2 * length):
                self.skip()
        else:
            self._scalar()


def unpack(data: bytes, ext: Ext = _plain_ext) -> Any:
    """The one value ``data`` holds."""
    reader = Reader(data, 0, ext)
    found = reader.value()
    if reader.position != len(data):
        raise ValueError("extra bytes after the MessagePack value")
    return found
