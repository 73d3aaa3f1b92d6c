"""What an import did: an :class:`Outcome` per conversation, an :class:`ImportReport` per file,
and :class:`Skip`, which a conversation's transaction raises to write none of it and say why.
The engine that makes them is :mod:`threadtree.formats._engine`.
"""

from __future__ import annotations

import attrs

from ..errors import ThreadTreeError

__all__ = ["STATUSES", "ImportReport", "Outcome", "Skip"]

STATUSES = ("imported", "updated", "unchanged", "skipped")


@attrs.frozen
class Outcome:
    """What an import did with one conversation.

    :ivar where: the conversation in the file (``"conversation 3 (id 67a1...)"``).
    :ivar status: ``imported`` (a new thread), ``updated`` (new entries, newer text or a moved
        leaf), ``unchanged``, or ``skipped`` (nothing written; ``reason`` says why).
    :ivar thread_id: the thread written or matched (``None`` when skipped).
    :ivar title: the thread's title.
    :ivar added: entries added. :ivar changed: entries whose text or item the source changed.
    :ivar reason: why it was skipped.
    :ivar notes: what was repaired on the way (dangling parents, cycles, a missing live leaf...).
    """

    where: str
    status: str
    thread_id: str | None = None
    title: str | None = None
    added: int = 0
    changed: int = 0
    reason: str | None = None
    notes: list[str] = attrs.field(factory=list)

    def __str__(self) -> str:
        if self.status == "skipped":
            return f"skipped    {self.where}: {self.reason}"
        counts = f"+{self.added} entries" + (f", {self.changed} changed" if self.changed else "")
        return f"{self.status:<10} {self.where} -> thread {self.thread_id} ({counts})"


@attrs.frozen
class ImportReport:
    """What :func:`threadtree.formats.import_file` did, conversation by conversation."""

    path: str
    format: str
    outcomes: list[Outcome]

    def _with(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def imported(self) -> list[Outcome]:
        return self._with("imported")

    @property
    def updated(self) -> list[Outcome]:
        return self._with("updated")

    @property
    def unchanged(self) -> list[Outcome]:
        return self._with("unchanged")

    @property
    def skipped(self) -> list[Outcome]:
        return self._with("skipped")

    @property
    def added(self) -> int:
        return sum(o.added for o in self.outcomes)

    def summary(self) -> str:
        counts = ", ".join(f"{len(self._with(s))} {s}" for s in STATUSES)
        return f"{self.path} ({self.format}): {counts}; {self.added} entries added"


class Skip(ThreadTreeError):
    """Raised inside a conversation's transaction: write none of it, report why."""
