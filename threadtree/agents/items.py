"""What a session stores and hands back: an SDK item as an entry (its role and readable
text, :func:`item_role` and :func:`item_text`, which live in ``threadtree._items`` so that the
importer of the SDK's own session files can use them without the SDK) and an entry as an
item; a branch of the thread as a :class:`Branch`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .._items import item_role, item_text
from ..errors import InvalidInput
from ..records import Entry

__all__ = ["Branch", "entry_item", "item_message", "item_role", "item_text"]


@attrs.frozen
class Branch:
    """One branch of a session's thread, named by its tip (see :meth:`ThreadTreeSession.branches`).

    :ivar leaf_id: the entry at the tip (pass it to :meth:`ThreadTreeSession.switch`).
    :ivar length: how many entries the branch's path holds, root to tip.
    :ivar role: the tip's role.
    :ivar preview: the first line of the tip's text, at most 60 characters.
    :ivar live: whether the tip is the current leaf (after a rewind or a fork the live path
        ends inside the tree, and no branch is live until something is added).
    :ivar created_at: Unix seconds (UTC) when the tip was written.
    """

    leaf_id: int
    length: int
    role: str
    preview: str
    live: bool
    created_at: float


def item_message(index: int, item: Any) -> dict[str, Any]:
    """``items[index]`` of an ``add_items`` as a message for :meth:`Store.extend`: the item
    kept as given, its role and text beside it."""
    if not isinstance(item, Mapping):
        raise InvalidInput(f"items[{index}] must be a dict (a Responses API input item), not {type(item).__name__}")
    item = dict(item)
    return {"role": item_role(item), "content": item_text(item), "item": item}


def entry_item(entry: Entry) -> dict[str, Any]:
    """The item an entry stands for; an entry written without one (by another program, an
    import) gives ``{"role", "content"}``, as :meth:`Store.messages` does."""
    item = entry.item
    return item if isinstance(item, dict) else {"role": entry.role, "content": entry.content}
