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
