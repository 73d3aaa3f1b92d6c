"""Import and export the formats where branching chats already live.

>>> import threadtree.formats
>>> [f.NAME for f in threadtree.formats.readers()][:3]
['jsonl', 'chatgpt', 'claude-code']

:func:`import_file` reads a file (detecting its format unless told) and writes each
conversation as a thread, each whole or not at all; :func:`export_thread` writes a
thread out. The readers and what each keeps are described in their modules; the notes on
each app's format that they rely on are in the repository's ``docs/formats.md``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import _validate
from .._db import runs, threads
from ..errors import InvalidInput
from ..store import Store, database_of
from ._engine import outcomes_of, write_conversation
from ._model import Conversation, Node, Skipped
from ._report import ImportReport, Outcome

__all__ = [
    "Conversation",
    "ImportReport",
    "Node",
    "Outcome",
    "Skipped",
    "detect",
    "export_formats",
    "export_thread",
    "import_file",
    "readers",
]

# Detection asks each reader in this order; the first that recognises the file reads it.
_READERS = (
    "jsonl",
    "chatgpt",
    "claude_code",
    "openwebui",
    "librechat",
    "claude_ai",
    "pi",
    "grok",
    "sillytavern",
    "aistudio",
    "chatbotui",
    "openai_messages",
    "anthropic_messages",
    "openai_agents",
    "llm",
    "langgraph",
)
_HEAD = 1 << 20


def _modules(names: tuple[str, ...]) -> list[ModuleType]:
    found = []
    for name in names:
        try:
            found.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return found


def readers() -> list[ModuleType]:
    """The format modules that can import, in detection order."""
    return _modules(_READERS)


def _reader(name: str) -> ModuleType:
    for module in readers():
        if module.NAME == name:
            return module
    raise InvalidInput(f"unknown format {name!r}; known formats: {', '.join(m.NAME for m in readers())}")


def _head(target: Path) -> bytes:
    with target.open("rb") as f:
        return f.read(_HEAD)


def _claim(head: bytes, target: Path) -> ModuleType | None:
    """The first reader, in detection order, that recognises the file."""
    return next((module for module in readers() if module.sniff(head, target)), None)


def detect(path: str | os.PathLike[str]) -> str:
    """The name of the format of the file at ``path``.

    :raises InvalidInput: no reader recognises the file (one short line; ``threadtree import
        --help`` and :func:`readers` list the formats).
    :raises OSError: the file cannot be read.
    """
    target = Path(path)
    found = _claim(_head(target), target)
    if found is not None:
        return found.NAME
    raise InvalidInput(
        f"cannot tell the format of {str(target)!r}: name it with --format (format=); "
        "`threadtree import --help` lists the formats"
    )


def _check_forced(module: ModuleType, target: Path) -> None:
    """Refuse a file that the named format's reader does not recognise, as detection would:
    read as another app's format, a file gives entries that are not messages."""
    head = _head(target)
    if getattr(module, "accepts", module.sniff)(head, target):
        return
    other = _claim(head, target)
    looks = f"; it looks like {other.NAME}" if other else ""
    raise InvalidInput(f"{str(target)!r} is not a {module.NAME} file ({module.DESCRIPTION}){looks}")


def import_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    progress: Callable[[Outcome, int], None] | None = None,
) -> ImportReport:
    """Import every conversation of the file at ``path`` into ``store``.

    Each conversation is written in its own transaction, all of it or none of it; one that
    cannot be read or written is reported as skipped and the others go on. Importing the same
    file again changes nothing (nothing is written); a newer export of the same conversations
    adds only what is new and moves each live leaf to where the source has it; a file
    threadtree exported comes back to the thread it was exported from. Nothing is read but
    the file and, for a Claude Code session, that session's own files in its folder.

    :param format: a format name (see :func:`readers`); ``None`` detects it. A file that
        format's reader does not recognise is refused, as detection would refuse it.
    :param progress: called after each conversation with its :class:`Outcome` and the number
        of messages (nodes) it had in the file (``threadtree import`` shows a line with it).
    :raises InvalidInput: an unknown format, a file no reader recognises, or a file that is
        not of the format named.
    :raises OSError: the file cannot be read.
    """
    target = Path(os.fsdecode(path))
    if not target.is_file():
        raise InvalidInput(f"{str(target)!r} is not a file")
    if format is None:
        module = _reader(detect(target))
    else:
        module = _reader(_validate.name(format, "format"))
        _check_forced(module, target)
    name = module.NAME
    writer = getattr(module, "write", write_conversation)
    return ImportReport(str(target), name, outcomes_of(store, module.read(target), writer, progress))


# -- exporting --

_EXPORTERS = ("chat_api", "jsonl", "chatgpt", "openwebui", "librechat")


def _exporters() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in _modules(_EXPORTERS):
        found.update(getattr(module, "EXPORTS", None) or {module.NAME: module.export})
    return found


def export_formats() -> list[str]:
    """The names :func:`export_thread` accepts."""
    return sorted(_exporters())


def export_thread(store: Store, thread_id: str, format: str) -> Any:
    """The thread in ``format`` as a JSON value (for ``jsonl``: a list of line objects).

    :raises NotFound: there is no such thread.
    :raises InvalidInput: an unknown format.
    """
    exporters = _exporters()
    if format not in exporters:
        raise InvalidInput(f"unknown export format {format!r}; known: {', '.join(sorted(exporters))}")
    tid = _validate.thread_id(thread_id)
    with database_of(store).snapshot() as tx:
        thread, entries = threads.with_entries(tx, tid)
        if format == "jsonl":  # the lossless dump keeps the thread's workflow runs too
            return exporters[format](thread, entries, runs.traces(tx, tid))
    return exporters[format](thread, entries)
