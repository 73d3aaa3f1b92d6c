"""Jobs and per-thread tool definitions kept in the store's file (issue 8).

A mixin of :class:`threadtree.Store`; its methods are the store's.
"""

from __future__ import annotations


class JobsAndTools:
    """Jobs and per-thread tools (methods of :class:`threadtree.Store`)."""

    __slots__ = ()
