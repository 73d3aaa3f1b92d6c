"""Checks of caller input, made before any SQL runs.

Each check returns the value to store and raises :class:`InvalidInput` whose message names
the field (``role``, ``messages[3].item``, ``limit``) and shows the rejected value. SQLite would
reject some of these too, but later and less clearly: a lone surrogate, for one, raises
``UnicodeEncodeError`` deep inside APSW.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from . import _json
from .errors import InvalidInput, NotFound
from .records import JOB_STATUSES, THREAD_ORDERS

# SQLite integers are signed 64-bit: an id outside this range cannot exist.
_MIN_ID = -(2**63)
_MAX_ID = 2**63 - 1

DEFAULT_MAX_SIZE = 64 * 2**20
"""The default cap on one content or title (in characters) and one item or metadata (in bytes
of JSON): generous for any chat message, small enough that a runaway value is refused before
it is copied into SQLite and back."""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def text(value: Any, field: str) -> str:
    """A ``str`` that SQLite can store as UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, not {type(value).__name__} {_short(value)}")
    if not value.isascii():  # isascii() is O(1); only non-ASCII text pays for the encode
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput(
                f"{field} is not valid Unicode: lone surrogate {value[exc.start]!r} at position {exc.start}"
            ) from None
    return value


def optional_text(value: Any, field: str) -> str | None:
    return None if value is None else text(value, field)


def name(value: Any, field: str) -> str:
    """A non-blank string: a role, a thread id."""
    value = text(value, field)
    if not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string, not {value!r}")
    return value


def thread_id(value: Any, field: str = "thread_id") -> str:
    return name(value, field)


def entry_id(value: Any, field: str = "entry_id") -> int:
    """An int that can name an entry; ids outside SQLite's range raise NotFound at once."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an int, not {type(value).__name__} {_short(value)}")
    if not _MIN_ID <= value <= _MAX_ID:
        raise NotFound(f"entry {value} does not exist")
    return value


def optional_entry_id(value: Any, field: str) -> int | None:
    return None if value is None else entry_id(value, field)


def _integer(value: Any, field: str, minimum: int, kind: str = "an int") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be {kind}, not {type(value).__name__} {_short(value)}")
    if value < minimum:
        raise InvalidInput(f"{field} must be at least {minimum}, not {value}")
    return value


_SQL_INT_MAX = 2**63 - 1  # SQLite's largest integer: a count past it means "all"


def limit(value: Any, field: str = "limit") -> int | None:
    """``None`` (no limit) or an int of at least 1 (one past SQLite's integers means all)."""
    return None if value is None else min(_integer(value, field, 1, "an int or None"), _SQL_INT_MAX)


def offset(value: Any, field: str = "offset") -> int:
    return min(_integer(value, field, 0), _SQL_INT_MAX)


def flag(value: Any, field: str) -> bool:
    """A real bool: ``"false"`` or ``0`` passed for a flag is far more often a mistake."""
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be True or False, not {type(value).__name__} {_short(value)}")
    return value


def metadata(value: Any, field: str = "metadata", limit: int = DEFAULT_MAX_SIZE) -> str:
    """JSON text for a thread's metadata: a JSON object (``None`` stands for ``{}``)."""
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be a dict (a JSON object), not {type(value).__name__}")
    encoded = _json.dumps(dict(value), field)[0]
    size(encoded, field, limit, "bytes of JSON")
    return encoded


def size(value: str | None, field: str, max_size: int, unit: str = "characters") -> None:
    """InvalidInput when ``value`` is longer than the store's ``max_size``."""
    if value is not None and len(value) > max_size:
        raise InvalidInput(
            f"{field} is {len(value):,} {unit}, more than the store's max_size of {max_size:,}; "
            "open the store with a larger max_size to store it"
        )


def max_size(value: Any) -> int:
    return _integer(value, "max_size", 1)


class Message(NamedTuple):
    """A checked message, ready to store."""

    role: str
    content: str
    item_json: str | None
    """The item as JSON text (without its text when ``content_path`` is set), or ``None``."""
    item: Any
    """The item as it will read back."""
    source_id: str | None
    hidden: bool
    content_path: str | None
    """Where in the item its text was cut out (see sql/sqlite/migrations/0004), or ``None``."""
    usage_json: str | None
    usage: Any
    """The usage as it will read back."""


def message(
    role: Any,
    content: Any,
    item: Any,
    source_id: Any = None,
    hidden: Any = False,
    limit: int = DEFAULT_MAX_SIZE,
    usage: Any = None,
) -> Message:
    """One message, checked, ready to store; content and item at most ``limit`` long."""
    role = name(role, "role")
    content = text(content, "content")
    size(content, "content", limit)
    sid = None if source_id is None else name(source_id, "source_id")
    size(sid, "source_id", limit)
    hide = flag(hidden, "hidden")
    usage_json, usage_copy = (None, None) if usage is None else usage_value(usage)
    if item is None:
        return Message(role, content, None, None, sid, hide, None, usage_json, usage_copy)
    item_json, item_copy, path = _json.dumps_item(item, content)
    size(item_json, "item", limit, "bytes of JSON")
    return Message(role, content, item_json, item_copy, sid, hide, path, usage_json, usage_copy)


def usage_value(value: Any, field: str = "usage") -> tuple[str, dict[str, Any]]:
    """A usage record: a dict of numbers (``{"input_tokens": 812, "output_tokens": 95}``),
    whose values may be dicts of numbers again (``"input_tokens_details": {"cached_tokens":
    0}``), as (JSON text, the dict as it will read back)."""
    _usage_numbers(value, field, 0)
    return _json.dumps(value, field)


def _usage_numbers(value: Any, field: str, depth: int) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be a dict of numbers, not {_short(value)}")
    if depth >= 4:
        raise InvalidInput(f"{field} nests too deep: usage is a dict of numbers or of dicts of numbers")
    for key, inner in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"{field} keys must be non-empty strings, not {_short(key)}")
        if isinstance(inner, Mapping):
            _usage_numbers(inner, f"{field}[{key!r}]", depth + 1)
        elif isinstance(inner, bool) or not isinstance(inner, (int, float)) or not math.isfinite(inner):
            raise InvalidInput(f"{field}[{key!r}] must be a number, not {_short(inner)}")


_MESSAGE_KEYS = frozenset({"role", "content", "item", "source_id", "hidden", "usage"})


def messages(value: Any, limit: int = DEFAULT_MAX_SIZE) -> list[Message]:
    """The messages of ``Store.extend``: mappings with role, content and optionally item,
    source_id, hidden and usage.

    Errors name the message: ``messages[3].item['a'] cannot be stored exactly as JSON``.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"messages must be a list of dicts, not {type(value).__name__}")
    checked = []
    seen: dict[str, int] = {}
    for index, msg in enumerate(value):
        # Cheap checks first: extend may be handed 100,000 messages.
        if type(msg) is not dict and not isinstance(msg, Mapping):
            raise InvalidInput(f"messages[{index}] must be a dict, not {type(msg).__name__}")
        if not msg.keys() <= _MESSAGE_KEYS:
            unknown = sorted(map(str, msg.keys() - _MESSAGE_KEYS))
            raise InvalidInput(
                f"messages[{index}] has unknown keys {unknown}: "
                "a message has role, content and optionally item, source_id, hidden and usage"
            )
        try:
            checked.append(
                message(
                    msg["role"],
                    msg["content"],
                    msg.get("item"),
                    msg.get("source_id"),
                    msg.get("hidden", False),
                    limit,
                    msg.get("usage"),
                )
            )
        except KeyError as exc:
            raise InvalidInput(f"messages[{index}] has no {exc.args[0]!r}") from None
        except InvalidInput as exc:  # "role must be ..." becomes "messages[3].role must be ..."
            raise InvalidInput(f"messages[{index}].{exc}") from None
        sid = checked[-1].source_id
        if sid is not None:
            if sid in seen:
                raise InvalidInput(
                    f"messages[{index}].source_id {sid!r} is also the source_id of messages[{seen[sid]}]"
                )
            seen[sid] = index
    return checked


SEARCH_MAX_CHARS = 10_000
"""The longest search query: a pasted passage fits; PostgreSQL evaluates a phrase's words as a
chain as deep as they are many, which a much longer one would overflow the stack with."""

SEARCH_MAX_TERMS = 100
"""The most words and phrases a search query ANDs: the cost of a query grows faster than the
count on both engines (30,000 words: seconds on SQLite; 3,000: seconds on PostgreSQL)."""


def search_query(value: Any, field: str = "query") -> list[str]:
    """What a person typed into a search box, as the words and phrases to find (all of them):
    text between double quotes is one phrase (an unclosed quote runs to the end), every other
    run of non-blanks one word. Nothing else means anything: ``*``, ``-``, ``OR``, ``NEAR``,
    parentheses and the like are text like any other, so no input is ever a syntax error.
    NUL characters count as blanks (a query engine may stop reading at one).

    :raises InvalidInput: not a string, no word at all (empty or only blanks and quotes), over
        :data:`SEARCH_MAX_CHARS` characters or :data:`SEARCH_MAX_TERMS` words and phrases.
    """
    query = text(value, field).replace("\x00", " ")
    if len(query) > SEARCH_MAX_CHARS:
        raise InvalidInput(f"{field} must be at most {SEARCH_MAX_CHARS:,} characters, not {len(query):,}")
    found: list[str] = []
    for number, part in enumerate(query.split('"')):
        if number % 2:  # between quotes
            phrase = " ".join(part.split())
            if phrase:
                found.append(phrase)
        else:
            found.extend(part.split())
    if not found:
        raise InvalidInput(f"{field} must hold a word to search for, not {_short(value)}")
    if len(found) > SEARCH_MAX_TERMS:
        raise InvalidInput(f"{field} must hold at most {SEARCH_MAX_TERMS} words and phrases, not {len(found):,}")
    return found


_SYNCHRONOUS = ("FULL", "NORMAL")


def synchronous(value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in _SYNCHRONOUS:
        raise InvalidInput(f"synchronous must be 'FULL' or 'NORMAL', not {_short(value)}")
    return value.upper()


def timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise InvalidInput(f"timeout must be a number of seconds >= 0, not {_short(value)}")
    if value > 24 * 3600:
        raise InvalidInput(f"timeout must be at most a day (86400 s), not {value}")
    return float(value)


def time_bound(value: Any, field: str) -> float | None:
    """``None``, or a time bound in Unix seconds as a float: a finite int or float.
    (SQLite would turn NaN into NULL, which here means "no bound": refused instead.)"""
    if value is None:
        return None
    return finite(value, field, unit=" of Unix seconds", alternative=" or None")


def finite(value: Any, field: str, *, unit: str = "", alternative: str = "") -> float:
    """A finite int or float (not a bool), as a float: ``field must be a number{unit}`` when
    it is not a number, ``a finite number{unit}`` when it is NaN, infinite or too large for a
    float; ``alternative`` names what else the field takes (``" or None"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{field} must be a number{unit}{alternative}, not {type(value).__name__} {_short(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise InvalidInput(f"{field} must be a finite number{unit}, not {_short(value)}")
    return number


def thread_order(value: Any) -> str:
    """One of :data:`~threadtree.THREAD_ORDERS`."""
    return _choice(value, "order_by", THREAD_ORDERS)


def job_status(value: Any) -> str:
    """One of :data:`~threadtree.JOB_STATUSES`."""
    return _choice(value, "status", JOB_STATUSES)


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise InvalidInput(f"{field} must be one of {listed}, not {_short(value)}")
    return value
