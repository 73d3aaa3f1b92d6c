"""The JSON boundary: items and metadata go in and out of the database only through here.

orjson is fast but lenient where a store must be strict: it writes NaN and infinities as
``null`` without a word, turns tuples into lists, and writes datetimes, UUIDs and dataclasses
as strings or objects that come back as something else. A value is accepted only when it
comes back *equal* from the database; otherwise :class:`InvalidInput` names the first part
of it that would not.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from .errors import InvalidInput

_loads = orjson.loads
_dumps = orjson.dumps


def dumps(value: Any, field: str) -> tuple[str, Any]:
    """JSON text for ``value``, which must survive a round trip unchanged, and the value as it
    will come back from the database (a fresh copy, detached from the caller's objects).

    :raises InvalidInput: naming ``field`` and the offending part of ``value``.
    """
    try:
        data = _dumps(value)
    except orjson.JSONEncodeError as exc:
        raise InvalidInput(f"{field} cannot be stored as JSON: {exc}") from None
    # The round trip is C-speed; only a mismatch pays for the walk that explains it.
    copy = _loads(data)
    if copy != value:
        where, why = _first_inexact(value, field)
        why = why or "it would not come back equal"
        raise InvalidInput(f"{where} cannot be stored exactly as JSON: {why}")
    return data.decode("utf-8"), copy


def loads(text: str | None) -> Any:
    """The value stored by :func:`dumps` (``None`` for SQL NULL)."""
    return None if text is None else _loads(text)


def _first_inexact(value: Any, where: str) -> tuple[str, str]:
    """The path and reason of the first part of ``value`` that JSON would not give back."""
    if isinstance(value, float) and not math.isfinite(value):
        return where, f"{value!r} is not a JSON number"
    if isinstance(value, dict):
        for key, inner in value.items():
            found = _first_inexact(inner, f"{where}[{key!r}]")
            if found[1]:
                return found
        return where, ""
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = _first_inexact(inner, f"{where}[{index}]")
            if found[1]:
                return found
        return where, ""
    if isinstance(value, (str, int, float)) or value is None:  # bool is an int
        return where, ""
    kind = type(value).__name__
    hint = " (use a list)" if isinstance(value, tuple) else ""
    return where, f"a {kind} would come back as a different type{hint}"


# -- an entry's text, stored once --
#
# Agent items (a Responses API message, a tool output) carry the entry's text inside them:
# stored as is, every message would be written twice. When the text is one of the item's
# string values, the item is stored with "" in its place and the place is kept beside it, as
# an SQLite JSON path ("$.content[0].text"). Reading puts the text back.

_MIN_TEXT = 16  # shorter texts: the path would cost about what it saves
_MAX_VISITS = 64  # values looked at per item: a huge item costs no more than a small one
_MAX_DEPTH = 4
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class DamagedText(ValueError):
    """An entry's content_path does not lead to the empty string it left in the item."""


def text_place(value: Any, text: str) -> tuple[str | int, ...] | None:
    """Where in ``value`` (an item) the string ``text`` is, as keys and indexes from the top;
    ``None`` when it is not there (or too deep, or ``text`` is short). Breadth first: the
    shallowest place wins. Only keys that are plain names (letters, digits, ``_``) are
    followed, so that the path reads the same in SQL."""
    if len(text) < _MIN_TEXT or type(value) not in (dict, list):
        return None
    level: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    visits = 0
    for _ in range(_MAX_DEPTH):
        deeper = []
        for place, container in level:
            pairs = container.items() if type(container) is dict else enumerate(container)
            for key, inner in pairs:
                visits += 1
                if visits > _MAX_VISITS:
                    return None
                kind = type(inner)
                if kind is str:
                    if inner == text and _plain(key):
                        return (*place, key)
                elif (kind is dict or kind is list) and _plain(key):
                    deeper.append(((*place, key), inner))
        level = deeper
    return None


_PLAIN: dict[str, bool] = {}


def _plain(key: str | int) -> bool:
    """Whether a path can name ``key`` as it is: a list index, or a key of letters, digits
    and ``_`` not starting with a digit. Cached: items repeat their keys."""
    if isinstance(key, int):
        return True
    plain = _PLAIN.get(key)
    if plain is None:
        plain = bool(key) and _NAME_CHARS.issuperset(key) and not key[0].isdigit()
        if len(_PLAIN) < 4096:
            _PLAIN[key] = plain
    return plain


def place_path(place: tuple[str | int, ...]) -> str:
    """The SQLite JSON path of a place: ``("content", 0, "text")`` -> ``$.content[0].text``."""
    return "$" + "".join(f"[{key}]" if type(key) is int else f".{key}" for key in place)


_PLACES: dict[str, tuple[str | int, ...]] = {}


def path_place(path: str) -> tuple[str | int, ...]:
    """The place a path written by :func:`place_path` names (cached: a file holds a handful)."""
    place = _PLACES.get(path)
    if place is None:
        if not path.startswith("$"):
            raise DamagedText(f"content_path {path!r} is not a JSON path")
        keys: list[str | int] = []
        for part in path[1:].replace("[", ".[").split(".")[1:]:
            if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
                keys.append(int(part[1:-1]))
            elif part and _NAME_CHARS.issuperset(part):
                keys.append(part)
            else:
                raise DamagedText(f"content_path {path!r} is not a path threadtree writes")
        place = _PLACES[path] = tuple(keys)
    return place


def with_text(value: Any, place: tuple[str | int, ...], text: str) -> Any:
    """A copy of ``value`` with ``text`` at ``place`` (the containers on the way copied, the
    rest shared): what is stored is this with ``""`` as ``text``."""
    key = place[0]
    copy: Any = dict(value) if type(value) is dict else list(value)
    copy[key] = text if len(place) == 1 else with_text(value[key], place[1:], text)
    return copy


def put_text(value: Any, path: str, text: str) -> Any:
    """Put ``text`` back into ``value``, an item just decoded from the database (changed in
    place and returned).

    :raises DamagedText: the path does not lead to an empty string (another tool changed the
        item or the path).
    """
    place = path_place(path)
    container = value
    try:
        for key in place[:-1]:
            container = container[key]
        if container[place[-1]] != "":
            raise DamagedText(f"content_path {path!r} does not lead to the empty string left for the text")
        container[place[-1]] = text
    except (KeyError, IndexError, TypeError):
        raise DamagedText(f"content_path {path!r} does not lead into the item") from None
    return value


def cut_text(value: Any, data: bytes, text: str) -> tuple[bytes, str | None]:
    """``data`` (the JSON of item ``value``) without its copy of ``text`` and the
    content_path of the place, or ``(data, None)`` when the item does not hold the text.

    A byte search first, so that items without the text (most imported ones) cost no walk;
    when the text's JSON appears once, the place found is that occurrence and it is cut out
    of the bytes as they are, else the item is written again with "" at the place."""
    if len(text) < _MIN_TEXT:
        return data, None
    needle = _dumps(text)
    found = data.count(needle)
    if not found:
        return data, None
    place = text_place(value, text)
    if place is None:
        return data, None
    if found == 1:
        return data.replace(needle, b'""'), place_path(place)
    return _dumps(with_text(value, place, "")), place_path(place)


_PATHS: dict[tuple[str | int, ...], str | None] = {}


def cut_text_at(value: Any, place: tuple[str | int, ...], text: str) -> tuple[bytes, str] | None:
    """:func:`cut_text` when the caller knows the place: ``value``'s JSON with ``""`` at
    ``place`` and the place's content_path, when ``text`` is there (and long enough to cut,
    and the place is one a path can name); else ``None``. No search: a reader that took the
    text from the item says where (an import's messages, thousands of them)."""
    if len(text) < _MIN_TEXT:
        return None
    path = _PATHS.get(place, "")
    if path == "":
        path = place_path(place) if place and all(map(_plain, place)) else None
        if len(_PATHS) < 256:
            _PATHS[place] = path
    if path is None:
        return None
    inner = value
    try:
        for key in place:
            inner = inner[key]
    except (KeyError, IndexError, TypeError):
        return None
    if inner is not text and inner != text:
        return None
    return _dumps(with_text(value, place, "")), path


def load_item(item: str | bytes | None, path: str | None, text: str) -> Any:
    """An entry's item as stored (JSON text, maybe without its ``text`` at ``path``), whole
    again; ``None`` for SQL NULL. Callers reading thousands of rows decode the common case
    (no path) inline and call this for the rest.

    :raises DamagedText: the path does not lead to the place cut out for the text.
    """
    if item is None:
        return None
    value = _loads(item)
    if path is None:
        return value
    # The common case inline (a path of paths reads thousands): the text at a key of the item
    # itself, "$.content" above all. Anything else, or a damaged place, takes the whole walk.
    place = _PLACES.get(path)
    if place is not None and len(place) == 1 and type(value) is dict and value.get(place[0]) == "":
        value[place[0]] = text
        return value
    return put_text(value, path, text)


def dumps_item(value: Any, text: str, field: str = "item") -> tuple[str, Any, str | None]:
    """:func:`dumps` for an entry's item, with its text taken out when the item holds it:
    (JSON text to store, the item as it will read back, content_path or ``None``)."""
    data, copy = dumps(value, field)
    stored, path = cut_text(value, data.encode("utf-8"), text)
    return (data if path is None else stored.decode("utf-8")), copy, path
