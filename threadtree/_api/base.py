"""What every part of the Store may use: the database under it and the size cap."""

from __future__ import annotations

from typing import Any

from .. import _validate
from .._db import Database
from .._sentinel import UNCHECKED

__all__ = ["StoreBase", "expected_leaf"]


class StoreBase:
    """The ground the parts of :class:`threadtree.Store` stand on.

    :ivar _db: the storage floor's :class:`~threadtree._db.Database` (connection, lock,
        transactions).
    :ivar _max_size: the cap on one content or title (characters) and one item or metadata
        (bytes of JSON).
    """

    _db: Database
    _max_size: int


def expected_leaf(value: Any) -> Any:
    """``expected_leaf_id`` checked: UNCHECKED when not given, else an entry id or ``None``."""
    if value is UNCHECKED:
        return value
    return _validate.optional_entry_id(value, "expected_leaf_id")
