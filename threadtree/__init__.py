"""threadtree: branching conversations stored as trees in one SQLite file.

>>> import threadtree
>>> with threadtree.open(":memory:") as store:
...     thread = store.create_thread("demo")
...     hello = store.append(thread.id, "user", "Hello")
...     store.append(thread.id, "assistant", "Hi! How can I help?").depth
1
"""

from ._connection import default_path
from .drawing import draw
from .errors import Ambiguous, Busy, Conflict, InvalidInput, NotFound, SchemaError, ThreadTreeError
from .records import Checkpoint, Entry, Event, Job, LeafMove, Problem, Thread, ToolCall
from .store import Store, open

__version__ = "0.1.0"

__all__ = [
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
