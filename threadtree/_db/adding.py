"""Adding one entry in one statement, where the engine can (``Features.add_in_one``).

On a server every statement is a round trip, and a round trip costs both sides CPU: an append
one statement at a time (read the leaf, insert, move the leaf, read and write the leaf
history) took six, and eight writer processes sharing two cores spent more time switching
between client and server than writing. PostgreSQL's ``add_entry`` does it all in one
statement, which its engine sends with the BEGIN, the thread's row lock and the COMMIT in
one message. It writes only on the plain path; for everything else (an unknown thread or
parent, a lost compare-and-set) it writes nothing and :func:`~.tree.add` goes on one statement
at a time, so every engine raises the same errors.
"""

from __future__ import annotations

import time
from typing import Any

from .._sentinel import LEAF, UNCHECKED
from .._validate import Message
from ..records import Entry
from .engine import Tx

__all__ = ["add_in_one"]


def add_in_one(
    tx: Tx, tid: str | None, parent: Any, expected: Any, message: Message, reason: str, merged_from: int | None
) -> Entry | None:
    """:func:`~.tree.add` of one message in one statement (``add_entry``), or ``None`` when it wrote
    nothing and the statements one by one must decide (a missing thread or parent, a parent in
    another thread, a lost compare-and-set): they raise what they raise on every engine.
    ``tid=None``: a fork, in the thread of ``parent`` (the engine locks it through the entry)."""
    now = time.time()
    row = tx.one(
        "add_entry",
        {
            "thread_id": tid,
            "at_leaf": parent is LEAF,
            "parent_id": None if parent is LEAF else parent,
            "check_leaf": expected is not UNCHECKED,
            "expected_id": None if expected is UNCHECKED else expected,
            "role": message.role,
            "content": message.content,
            "item": message.item_json,
            "now": now,
            "hidden": message.hidden,
            "content_path": message.content_path,
            "usage": message.usage_json,
            "merged_from": merged_from,
            "reason": reason,
        },
    )
    if row is None:
        return None
    new_id, thread_id, parent_id, depth = row
    m = message
    return Entry(
        new_id, thread_id, parent_id, m.role, m.content, m.item, now, depth, None, m.hidden, m.usage, merged_from
    )
