"""Agent state kept beside a thread's tree: checkpoints, an event log, tool calls (issue 8).

A mixin of :class:`threadtree.Store`; its methods are the store's.
"""

from __future__ import annotations


class AgentState:
    """Checkpoints, events and tool calls (methods of :class:`threadtree.Store`)."""

    __slots__ = ()
