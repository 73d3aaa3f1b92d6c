"""Small helpers shared by the readers.

Lenient timestamp parsing, whole-file JSON loading that reports the line and column of a
syntax error, a file of one JSON object or an array of them handed out one object at a time,
a JSON array parsed one element at a time, the first JSON value of a file head (for
``sniff``), and the "newest leaf" choice some formats use as their live-leaf fallback.

An I/O error while a file is read needs no handling here: the import engine reports it.
"""

from __future__ import annotations

import datetime as _dt
import json
import pathlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from ._model import Node, Skipped

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def iso_seconds(value: Any) -> float | None:
    """Unix seconds of an ISO-8601 string (``Z``, offsets, any fraction length), else ``None``.

    A time without an offset is taken as UTC. Python 3.10's ``fromisoformat`` accepts neither
    ``Z`` nor seven-digit fractions, hence the regular expression.
    """
    if not isinstance(value, str):
        return None
    match = _ISO.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = _dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=_dt.timezone.utc,
        )
    except ValueError:
        return None
    seconds = moment.timestamp()
    if fraction:
        seconds += int(fraction) / 10 ** len(fraction)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
        seconds -= sign * offset
    return seconds


def millis_seconds(value: Any) -> float | None:
    """Unix seconds of a Unix-milliseconds number (booleans and non-finite values refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value / 1000


def json_error(exc: orjson.JSONDecodeError | json.JSONDecodeError, what: str = "file") -> Skipped:
    """A :class:`Skipped` naming the line and column of a JSON syntax error."""
    return Skipped(f"line {exc.lineno}, column {exc.colno}", f"the {what} is not valid JSON: {exc.msg}")


def load_json(path: pathlib.Path) -> Any | Skipped:
    """The parsed JSON of ``path``, or a :class:`Skipped` for the whole file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Skipped("file", f"cannot read {path}: {exc.strerror or exc}")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return json_error(exc)


def json_objects(path: pathlib.Path, what: str) -> Iterator[tuple[int, Any] | Skipped]:
    """``(number, value)`` for each element of a file holding one JSON object or an array
    (numbered from 1); each element is let go once it has been handed out. A file that is not
    JSON, or neither an object nor an array, gives one :class:`Skipped` saying it should be
    ``what``."""
    value = load_json(path)
    if isinstance(value, Skipped):
        yield value
        return
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        yield Skipped("file", f"{what}, not a JSON {type(value).__name__}")
        return
    for index in range(len(value)):
        element, value[index] = value[index], None
        yield index + 1, element


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip_space(text: str, position: int = 0) -> int:
    """The index of the first character at or after ``position`` that is not JSON whitespace."""
    match = _SPACE.match(text, position)
    assert match is not None  # the pattern matches the empty string, so it always matches
    return match.end()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def iter_json_array(path: pathlib.Path, what: str) -> Iterator[tuple[int, Any] | Skipped]:
    """The elements of the top-level JSON array in ``path``, one parsed object at a time.

    Yields ``(index, element)`` (0-based). Only the file's text and one element are in memory,
    never the whole parsed array. A syntax error yields a :class:`Skipped` naming its line and
    column and ends the iteration (the elements before it have been yielded); a file that is not
    an array yields a :class:`Skipped` saying it should be ``what``.
    """
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as exc:
        yield Skipped("file", f"cannot read {path}: {exc.strerror or exc}")
        return
    except UnicodeDecodeError as exc:
        yield Skipped(f"byte {exc.start}", f"the file is not UTF-8 text: {exc.reason}")
        return
    position = _skip_space(text)
    if not text.startswith("[", position):
        try:
            orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            yield json_error(exc)
            return
        yield Skipped("file", f"the file is not {what}")
        return
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    position = _skip_space(text, position + 1)
    index = 0
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            try:
                element, position = decoder.raw_decode(text, position)
            except json.JSONDecodeError as exc:
                yield json_error(exc)
                return
            except ValueError as exc:  # NaN or Infinity
                yield Skipped(f"element {index}", f"the element is not valid JSON: {exc}")
                return
            yield index, element
            index += 1
            position = _skip_space(text, position)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif text.startswith("]", position):
                position += 1
                break
            else:
                yield json_error(json.JSONDecodeError("expected ',' or ']' after an element", text, position))
                return
    position = _skip_space(text, position)
    if position != len(text):
        yield json_error(json.JSONDecodeError("extra data after the array", text, position))


def head_text(head: bytes) -> str:
    """The file head as text (a UTF-8 sequence cut at the end of the head is dropped)."""
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def first_value(head: bytes, path: pathlib.Path) -> tuple[bool, Any]:
    """``(True, value)`` when ``head`` is the whole file and parses as JSON, else ``(False, None)``."""
    try:
        whole = path.stat().st_size <= len(head)
    except OSError:
        whole = False
    if not whole:
        return False, None
    try:
        return True, orjson.loads(head)
    except orjson.JSONDecodeError:
        return False, None


def first_object(head: bytes, markers: Iterable[re.Pattern[bytes]]) -> Any:
    """For ``sniff`` of a file holding one JSON object or an array of them: the first object
    when ``head`` parses, ``False`` when it cannot be such a file, and, for a head cut off
    before its end, whether every one of ``markers`` occurs in it."""
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"[", b"{"):
        return False
    try:
        value = orjson.loads(head)
    except orjson.JSONDecodeError:
        return all(marker.search(head) for marker in markers)
    first = value[0] if isinstance(value, list) and value else value
    return first if isinstance(first, dict) else False


def first_array_item(head: bytes) -> tuple[bool, Any]:
    """``(True, item)`` for the first element of a top-level JSON array that fits in ``head``.

    ``(False, None)`` when the head is not an array or its first element is cut off.
    """
    text = head_text(head)
    start = len(text) - len(text.lstrip())
    if not text[start:].startswith("["):
        return False, None
    index = start + 1
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    try:
        item, _ = json.JSONDecoder().raw_decode(text, index)
    except ValueError:
        return False, None
    return True, item


def first_line(head: bytes) -> Any:
    """The first line of a JSONL head, parsed, or ``None`` if it does not parse (or is cut off)."""
    line, newline, _ = head.partition(b"\n")
    try:
        return orjson.loads(line.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return None


def jsonl_lines(path: pathlib.Path) -> Iterable[tuple[int, bytes]]:
    """``(line number, bytes)`` of each non-blank line, 1-based, read one line at a time."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield number, line


def newest_leaf(nodes: list[Node], when: Callable[[Node], float | None] = lambda node: node.created_at) -> str | None:
    """The ``source_id`` of the newest leaf (by ``when``, default ``created_at``).

    A later node in the list wins ties; leaves without a time count as older than any timed
    leaf. ``None`` for no nodes.
    """
    parents = {node.parent for node in nodes}
    best: tuple[float, int] | None = None
    chosen = None
    for position, node in enumerate(nodes):
        if node.source_id in parents:
            continue
        moment = when(node)
        key = (moment if moment is not None else float("-inf"), position)
        if best is None or key >= best:
            best, chosen = key, node.source_id
    return chosen
