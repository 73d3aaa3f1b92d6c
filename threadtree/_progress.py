"""A progress line on a terminal for ``threadtree import`` (and ``copy-database``).

An import of a large export takes minutes and prints its report only at the end. On a terminal
one line of stderr is rewritten as conversations are done (counts and rate); on a pipe or a
file nothing is written, so a script reading stderr sees only errors. A few lines of our own
instead of a progress library: one line, no bar (the number of conversations is not known
until the file has been read).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ImportProgress", "ProgressLine"]


class ProgressLine:
    """One line of ``stream`` redrawn while a long command works, on a terminal only.

    Subclasses count in ``__call__`` and call :meth:`tick`, and say what the line reads in
    :meth:`line`. The first tick is shown at once, then at most one redraw every ``interval``
    seconds; :meth:`close` erases the line, so the report that follows starts clean.
    """

    def __init__(self, stream: TextIO, *, interval: float = 0.2, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.interval, self.clock = stream, interval, clock
        self.on = _is_terminal(stream)
        self.started = clock()
        self.shown: float | None = None

    def line(self, now: float) -> str:
        raise NotImplementedError

    def rate(self, count: int, now: float) -> float:
        """``count`` a second since the start."""
        return count / max(now - self.started, 1e-9)

    def tick(self) -> None:
        if not self.on:
            return
        now = self.clock()
        if self.shown is None or now - self.shown >= self.interval:
            self.shown = now
            width = shutil.get_terminal_size((80, 24)).columns - 1  # a wrapped line cannot be redrawn
            self.stream.write("\r" + self.line(now)[:width] + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.on and self.shown is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class ImportProgress(ProgressLine):
    """Call it with each outcome and the conversation's message count; :meth:`close` it at the end."""

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(stream, interval=interval, clock=clock)
        self.label = label
        self.conversations = self.messages = 0

    def __call__(self, outcome: object, messages: int) -> None:
        self.conversations += 1
        self.messages += messages
        self.tick()

    def line(self, now: float) -> str:
        plural = "" if self.conversations == 1 else "s"
        return (
            f"importing {self.label}: {self.conversations:,} conversation{plural}, "
            f"{self.messages:,} messages, {self.rate(self.messages, now):,.0f} messages/s"
        )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
