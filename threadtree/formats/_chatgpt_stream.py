"""Streaming a ChatGPT export's top-level JSON array one conversation at a time, and saying
where and why a conversation is not valid JSON (line and column, a file cut short).

orjson parses whole documents only; :class:`_ArrayElements` finds where each element ends so
that memory stays near the size of the largest conversation, whatever the size of the file.
The reader (:mod:`threadtree.formats.chatgpt`) turns each element into a conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

_WS = re.compile(rb"[ \t\r\n]*")
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 continuation bytes
# orjson's message for a value followed by more text, at the start of that text (yyjson's
# wording; builds parsing with serde_json said "trailing characters").
_AFTER_DOCUMENT = ("unexpected content after document", "trailing characters")


def _skip_ws(data: bytes | bytearray, position: int = 0) -> int:
    """The index of the first byte at or after ``position`` that is not JSON whitespace."""
    match = _WS.match(data, position)
    assert match is not None  # the pattern matches the empty string, so it always matches
    return match.end()


class _Malformed:
    """An element that is not valid JSON: where (a byte offset in the file) and why;
    ``truncated`` when the file ends inside it."""

    def __init__(
        self,
        offset: int,
        message: str,
        resumed_at: int | None = None,
        at_end: bool = False,
        truncated: bool = False,
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

    Memory holds one read chunk (``chunk`` bytes) and the current element, never the whole file. Yields
    each value, or a :class:`_Malformed` for an element orjson rejects; after one, reading
    resumes at the next separator (when the separator is known and one follows).
    """

    _MAX_FAILED = 3

    def __init__(self, file: BinaryIO, chunk: int, digest: Callable[[memoryview], str]) -> None:
        self._file = file
        self._chunk = chunk  # bytes read at a time
        self._hash = digest  # of an element's bytes
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
        more = self._file.read(self._chunk)
        if not more:
            self._eof = True
            return False
        self._buf += more
        return True

    def _next_byte(self) -> int | None:
        """Skip whitespace; the next byte, or None at the end of the file."""
        while True:
            self._pos = _skip_ws(self._buf, self._pos)
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
                yield _Malformed(
                    self._offset(),
                    "the file is truncated: it ends before the array is closed with ']'",
                    at_end=True,
                    truncated=True,
                )
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
        value = self._by_separator(self._separator) if self._separator is not None else _NOT_FOUND
        if value is _NOT_FOUND:
            value = self._by_window()
        if self._separator is None and isinstance(value, dict) and value:
            key = re.escape(orjson.dumps(next(iter(value))))
            self._separator = re.compile(rb"\}[ \t\r\n]*,[ \t\r\n]*(\{)[ \t\r\n]*" + key + rb"[ \t\r\n]*:")
        return value

    def _by_separator(self, separator: re.Pattern[bytes]) -> Any:
        searched, failed = 1, 0  # relative to _pos
        limit = max(1 << 26, 4 * self._largest)
        while True:
            found = separator.search(self._buf, self._pos + searched)
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
            self.digest = self._hash(piece)
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
