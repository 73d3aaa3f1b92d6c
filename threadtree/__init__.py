"""threadtree: branching conversations stored as trees in one SQLite file.

>>> import threadtree
>>> with threadtree.open(":memory:") as store:
...     thread = store.create_thread("demo")
...     hello = store.append(thread.id, "user", "Hello")
...     store.append(thread.id, "assistant", "Hi! How can I help?").depth
1
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._db.sqlite import default_path
from .drawing import draw
from .errors import Ambiguous, Busy, Conflict, InvalidInput, NotFound, SchemaError, ThreadTreeError
from .records import (
    JOB_STATUSES,
    THREAD_ORDERS,
    TOOL_CALL_STATUSES,
    Checkpoint,
    Entry,
    Event,
    Job,
    LeafMove,
    Problem,
    Thread,
    ToolCall,
)
from .store import Store, open

if TYPE_CHECKING:
    from . import formats as formats  # a typed name for the lazy attribute below

__version__ = "0.1.0"

__all__ = [
    "JOB_STATUSES",
    "THREAD_ORDERS",
    "TOOL_CALL_STATUSES",
    "Ambiguous",
    "Busy",
    "Checkpoint",
    "Conflict",
    "Entry",
    "Event",
    "InvalidInput",
    "Job",
    "LeafMove",
    "NotFound",
    "Problem",
    "SchemaError",
    "Store",
    "Thread",
    "ThreadTreeError",
    "ToolCall",
    "default_path",
    "draw",
    "open",
]


def __getattr__(name: str) -> Any:
    """``threadtree.formats``, imported at its first use (PEP 562) rather than here: its
    readers are a dozen modules, which ``import threadtree`` and most commands never need.
    ``import threadtree`` then ``threadtree.formats.import_file(...)`` works, as the README
    writes it."""
    if name == "formats":
        return importlib.import_module(f"{__name__}.formats")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "formats"})
