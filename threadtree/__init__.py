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

from ._api.copying import copy_database
from ._db.sqlite import default_path
from .errors import Ambiguous, Busy, Conflict, InvalidInput, NotFound, SchemaError, ThreadTreeError
from .navigation import BranchPoint, Comparison, Label, SearchHit
from .records import (
    BRANCH_RUN_STATUSES,
    JOB_STATUSES,
    LEAF_RUN_STATUSES,
    RUN_STATUSES,
    THREAD_ORDERS,
    TOOL_CALL_STATUSES,
    BranchRun,
    Candidate,
    Checkpoint,
    Decision,
    Entry,
    Event,
    Job,
    LeafMove,
    LeafRun,
    Problem,
    Run,
    RunTrace,
    Thread,
    ToolCall,
)
from .store import Store, open

if TYPE_CHECKING:
    from . import formats as formats  # typed names for the lazy attributes below
    from .drawing import draw as draw

__version__ = "0.1.0"

__all__ = [
    "BRANCH_RUN_STATUSES",
    "JOB_STATUSES",
    "LEAF_RUN_STATUSES",
    "RUN_STATUSES",
    "THREAD_ORDERS",
    "TOOL_CALL_STATUSES",
    "Ambiguous",
    "BranchPoint",
    "BranchRun",
    "Busy",
    "Candidate",
    "Checkpoint",
    "Comparison",
    "Conflict",
    "Decision",
    "Entry",
    "Event",
    "InvalidInput",
    "Job",
    "Label",
    "LeafMove",
    "LeafRun",
    "NotFound",
    "Problem",
    "Run",
    "RunTrace",
    "SchemaError",
    "SearchHit",
    "Store",
    "Thread",
    "ThreadTreeError",
    "ToolCall",
    "copy_database",
    "default_path",
    "draw",
    "open",
]


# Modules users reach as attributes (threadtree.graph.to_mermaid), imported at first use.
_SUBMODULES = ("formats", "graph", "render", "check", "drawing", "lanes")


def __getattr__(name: str) -> Any:
    """``threadtree.formats``, ``threadtree.draw`` and the views (``graph``, ``check``...),
    imported at their first use (PEP 562)
    rather than here: the readers are a dozen modules and the drawing code its layout, which
    ``import threadtree`` and most commands never need. ``import threadtree`` then
    ``threadtree.formats.import_file(...)`` works, as the README writes it, and so does
    ``from threadtree import draw``."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "draw":
        return importlib.import_module(f"{__name__}.drawing").draw
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES, "draw"})
