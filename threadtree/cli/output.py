"""What the command line writes: :class:`Output` (stdout, colour only on a terminal), the
width lines are fitted to, and the small formatting helpers the commands share (times, JSON,
previews, aligned tables)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any, TextIO

import attrs
import orjson

from ..graph import preview
from ..records import Entry, Thread
from ..render import columns, fitted_preview

__all__ = ["Output"]


class Output:
    """Writes data to stdout, with ANSI colour only on a terminal and never when ``NO_COLOR``
    is set (https://no-color.org)."""

    STYLES = {"dim": "2", "bold": "1", "live": "1;31", "role": "36", "warn": "33"}

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.color = stream.isatty() and not os.environ.get("NO_COLOR")
        self.width = _columns(stream)

    def style(self, text: str, name: str) -> str:
        return f"\x1b[{self.STYLES[name]}m{text}\x1b[0m" if self.color else text

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def json(self, value: Any) -> None:
        self.stream.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n")


def _columns(stream: TextIO) -> int:
    """How wide a line may be: ``$COLUMNS`` when set (as for ``ls`` and git), else the
    terminal's width when ``stream`` is one, else 80 (a pipe, a file, a CI log)."""
    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        pass
    return 80


def _tail(start: str, text: str, width: int) -> str:
    """``": preview-of-text"``, cut so that ``start`` and it fit ``width`` columns; ``""``
    when the text is blank or fewer than 5 columns are left for it."""
    shown = fitted_preview(text, width - columns(start) - 2)
    return f": {shown}" if shown else ""


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _entry_json(entry: Entry) -> dict[str, Any]:
    return attrs.asdict(entry)


def _thread_json(thread: Thread) -> dict[str, Any]:
    return attrs.asdict(thread)


def _one_line(text: str, width: int = 60) -> str:
    return preview(text, width)


def _table(out: Output, rows: Sequence[tuple[str, ...]], right: tuple[int, ...] = (), last_width: int = 60) -> None:
    """A header row and data rows as aligned columns (the last one cut at ``last_width``)."""
    rows = [row[:-1] + (_one_line(row[-1], last_width),) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        text = "  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
        out.line(out.style(text.rstrip(), "bold") if number == 0 else text.rstrip())


def _compact_json(value: Any) -> str:
    return orjson.dumps(value).decode("utf-8")


def _when_seconds(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
