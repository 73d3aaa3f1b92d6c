"""Checks of the input of workflow runs, made before any transaction opens (see ``_validate``
for the shared ones). Used by the Store's runs part and by the jsonl restore, which reads the
same records back from a dump. Each raises :class:`InvalidInput` naming the argument."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .. import _json, _validate
from ..errors import InvalidInput
from ..records import Candidate

__all__ = ["candidates", "choice", "json_value", "name", "optional_name", "score", "select", "text"]


def name(value: Any, field: str, max_size: int) -> str:
    """A non-blank string no longer than the store's max_size: an id, a task's name."""
    value = _validate.name(value, field)
    _validate.size(value, field, max_size)
    return value


def optional_name(value: Any, field: str, max_size: int) -> str | None:
    return None if value is None else name(value, field, max_size)


def text(value: Any, field: str, max_size: int, *, optional: bool = False) -> Any:
    """A string (``None`` too when ``optional``) no longer than max_size: a goal, an error."""
    if value is None and optional:
        return None
    value = _validate.text(value, field)
    _validate.size(value, field, max_size)
    return value


def json_value(value: Any, field: str, max_size: int) -> tuple[str | None, Any]:
    """(JSON text, the value as it will read back); ``(None, None)`` for ``None``."""
    if value is None:
        return None, None
    encoded, copy = _json.dumps(value, field)
    _validate.size(encoded, field, max_size, "bytes of JSON")
    return encoded, copy


def choice(value: Any, field: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (a status), else InvalidInput listing them."""
    return _validate._choice(value, field, tuple(choices))


def score(value: Any, field: str) -> float:
    """A finite int or float, as a float (SQLite would store NaN as NULL)."""
    return _validate.finite(value, field)


_CANDIDATE_KEYS = frozenset({"entry_id", "score", "passed", "rationale"})


def candidates(value: Any, max_size: int) -> list[Candidate]:
    """The candidates of a decision: dicts with ``entry_id`` and ``score``, and optionally
    ``passed`` (True, False or None) and ``rationale`` (text or None). At least one, and no
    entry twice. Errors name the candidate: ``candidates[2].score must be a finite number``."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidInput(f"candidates must be a list of dicts, not {type(value).__name__}")
    found: list[Candidate] = []
    seen: dict[int, int] = {}
    for index, given in enumerate(value):
        where = f"candidates[{index}]"
        if not isinstance(given, Mapping):
            raise InvalidInput(f"{where} must be a dict, not {type(given).__name__}")
        if not given.keys() <= _CANDIDATE_KEYS:
            unknown = sorted(map(str, given.keys() - _CANDIDATE_KEYS))
            raise InvalidInput(
                f"{where} has unknown keys {unknown}: "
                "a candidate has entry_id, score and optionally passed and rationale"
            )
        for key in ("entry_id", "score"):
            if key not in given:
                raise InvalidInput(f"{where} has no {key!r}")
        eid = _validate.entry_id(given["entry_id"], f"{where}.entry_id")
        if eid in seen:
            raise InvalidInput(f"{where}.entry_id {eid} is also the entry of candidates[{seen[eid]}]")
        seen[eid] = index
        passed = given.get("passed")
        if passed is not None:
            passed = _validate.flag(passed, f"{where}.passed")
        rationale = text(given.get("rationale"), f"{where}.rationale", max_size, optional=True)
        found.append(Candidate(eid, score(given["score"], f"{where}.score"), passed, rationale, None, None))
    if not found:
        raise InvalidInput("candidates must hold at least one candidate")
    return found


def select(value: Any, chosen_from: list[Candidate]) -> list[int]:
    """The entry ids of the selected candidates, in order (one id, or a list; ``[]``: none)."""
    picks = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(picks, (str, bytes, Mapping)) or not isinstance(picks, Iterable):
        raise InvalidInput(f"select must be an entry id or a list of them, not {type(value).__name__}")
    known = {c.entry_id for c in chosen_from}
    found: list[int] = []
    for index, given in enumerate(picks):
        eid = _validate.entry_id(given, f"select[{index}]")
        if eid not in known:
            raise InvalidInput(f"select[{index}] is entry {eid}, which is not one of the candidates")
        if eid in found:
            raise InvalidInput(f"select[{index}] is entry {eid} again")
        found.append(eid)
    return found
