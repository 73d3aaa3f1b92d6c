"""Checks of caller input, made before any SQL runs.

Each check returns the value to store and raises :class:`InvalidInput` whose message names
the field (``role``, ``messages[3].item``, ``limit``) and shows the rejected value. SQLite would
reject some of these too, but later and less clearly: a lone surrogate, for one, raises
``UnicodeEncodeError`` deep inside APSW.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import _json
from .errors import InvalidInput, NotFound

# SQLite integers are signed 64-bit: an id outside this range cannot exist.
_MIN_ID = -(2**63)
_MAX_ID = 2**63 - 1


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
                f"{field} is not valid Unicode: lone surrogate {value[exc.start]!r} "
                f"at position {exc.start}"
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


def limit(value: Any, field: str = "limit") -> int | None:
    """``None`` (no limit) or an int of at least 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an int or None, not {type(value).__name__} {_short(value)}")
    if value < 1:
        raise InvalidInput(f"{field} must be at least 1, not {value}")
    return value


def offset(value: Any, field: str = "offset") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an int, not {type(value).__name__} {_short(value)}")
    if value < 0:
        raise InvalidInput(f"{field} must be at least 0, not {value}")
    return value


def item(value: Any, field: str = "item") -> str | None:
    """JSON text for an entry's item, ``None`` when there is none."""
    return None if value is None else _json.dumps(value, field)


def metadata(value: Any, field: str = "metadata") -> str:
    """JSON text for a thread's metadata: a JSON object (``None`` stands for ``{}``)."""
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} must be a dict (a JSON object), not {type(value).__name__}")
    return _json.dumps(dict(value), field)


def message(role: Any, content: Any, item_: Any, prefix: str = "") -> tuple[str, str, str | None]:
    """The three stored fields of one message, checked: (role, content, item JSON)."""
    return (
        name(role, prefix + "role"),
        text(content, prefix + "content"),
        item(item_, prefix + "item"),
    )


_MESSAGE_KEYS = frozenset({"role", "content", "item"})


def messages(value: Any) -> list[tuple[str, str, str | None]]:
    """The messages of ``Store.extend``: mappings with role, content and an optional item."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"messages must be a list of dicts, not {type(value).__name__}")
    checked = []
    for index, msg in enumerate(value):
        prefix = f"messages[{index}]."
        if not isinstance(msg, Mapping):
            raise InvalidInput(f"messages[{index}] must be a dict, not {type(msg).__name__}")
        unknown = set(msg) - _MESSAGE_KEYS
        if unknown:
            raise InvalidInput(
                f"messages[{index}] has unknown keys {sorted(map(str, unknown))}: "
                "a message has role, content and an optional item"
            )
        for key in ("role", "content"):
            if key not in msg:
                raise InvalidInput(f"messages[{index}] has no {key!r}")
        checked.append(message(msg["role"], msg["content"], msg.get("item"), prefix))
    return checked


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
