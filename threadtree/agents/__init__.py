"""An OpenAI Agents SDK session kept in a threadtree thread: agent runs that fork, rewind and redo.

:class:`ThreadTreeSession` implements the SDK's ``Session`` protocol (``get_items``,
``add_items``, ``pop_item``, ``clear_session``, ``session_id``, ``session_settings``), so
``Runner.run(agent, "...", session=ThreadTreeSession("chat-1", "chats.db"))`` keeps the
conversation in a threadtree file. Install the SDK with ``pip install 'threadtree[agents]'``;
``import threadtree`` never imports it, only ``import threadtree.agents`` does.

A session is one thread (``session_id`` is the thread id). Each item the SDK stores (a
message, a function call, its output, a reasoning item...) is one entry: ``item`` is the item
exactly as given, ``content`` its readable text, ``role`` its role (see :func:`item_role`).
The session's *items* are the thread's live path, root first (entries marked hidden, which a
session never writes, are left out). Nothing is ever destroyed unless asked:

- ``pop_item`` moves the current leaf to the popped entry's parent; the entry stays as a
  branch, and ``redo`` brings it back.
- ``clear_session`` empties the live path; the history stays in the file
  (``clear_session(purge=True)`` deletes the thread).
- ``fork_at`` / ``fork`` / ``rewind`` make the live path end earlier, so the next run
  continues from there on a new branch; ``switch`` goes to another branch's tip;
  ``branches`` lists the tips.

All of it is in the file: another process opening the same thread continues on the same
branch, and can redo what this one rewound.

Concurrency: every write is one transaction of the store, so writers in any number of
processes never corrupt a thread; two agents adding to one thread at once interleave their
items, as with any SDK session. For strict turn order, pass ``strict=True`` (every write then
requires the thread to be where this session last saw it, and raises
:class:`threadtree.Conflict` otherwise, writing nothing), or pass ``expected_leaf_id`` to
:meth:`ThreadTreeSession.add_items`.

The async methods run the store's calls on one worker thread per session (in call order), so
an agent's event loop never waits on the disk; see :meth:`ThreadTreeSession.close`.

The package: :mod:`.session` (the session and its async calls), :mod:`.work` (what those calls
do on the worker thread, through the storage floor's internal API), :mod:`.worker` (that
thread), :mod:`.items` (items as entries and back, branches).
"""

from __future__ import annotations

try:
    from agents.memory.session_settings import SessionSettings  # noqa: F401  (fail here, saying how to fix it)
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("threadtree.agents needs the OpenAI Agents SDK: pip install 'threadtree[agents]'") from exc

from .items import Branch, item_role, item_text
from .session import ThreadTreeSession

__all__ = ["Branch", "ThreadTreeSession", "item_role", "item_text"]
