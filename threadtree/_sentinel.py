"""Sentinels that tell "argument not given" apart from ``None`` (which means something:
a new root, an empty live path, no title)."""

from __future__ import annotations

from typing import Any

__all__ = ["LEAF", "UNCHECKED", "UNSET"]


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


LEAF: Any = _Sentinel("<the current leaf>")
"""``parent_id`` not given: the new entry goes under the current leaf."""

UNCHECKED: Any = _Sentinel("<unchecked>")
"""``expected_leaf_id`` not given: no compare-and-set."""

UNSET: Any = _Sentinel("<unchanged>")
"""A field of an update not given: left as it is."""
