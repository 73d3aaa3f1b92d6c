"""Heavy modules imported on first use, not when threadtree is imported.

networkx alone took two thirds of ``import threadtree`` (about 150 ms of 230 ms, measured with
``python -X importtime``), yet only the graph, tree, check and drawing calls need it. A module
that uses it writes ``nx = _lazy.module("networkx")`` where it would have written ``import
networkx as nx`` (and imports the real one under ``TYPE_CHECKING`` for its annotations): the
import happens at the first ``nx.something``. The CLI reaches the format readers the same
way, and its ``--format`` choices through :func:`sequence`. ``benchmarks/startup.py``
measures the gain; ``tests/test_startup.py`` checks what ``import threadtree`` loads.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["module", "sequence"]


class _Module:
    """Stands for the module ``name``: every attribute read is passed on to the module, which
    is imported at the first one. Reads go to the module each time, so a test that patches
    the real module is seen here too."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def module(name: str) -> Any:
    """A stand-in for ``import name`` that imports ``name`` at its first attribute read.

    >>> json = module("json")
    >>> json.dumps([1])
    '[1]'
    """
    return _Module(name)


class _Sequence(Sequence):
    def __init__(self, load: Callable[[], Sequence]) -> None:
        self._load = load

    @functools.cached_property
    def _items(self) -> Sequence:
        return self._load()

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(list(self))


def sequence(load: Callable[[], Sequence]) -> Sequence:
    """A sequence whose items are ``load()``, called at the first read.

    The CLI's ``--format`` choices are the names of the format modules: with this, only a
    command line that reads them (``import --format``, ``export --help``) imports those
    modules.

    >>> names = sequence(lambda: ["a", "b"])
    >>> "b" in names, list(names)
    (True, ['a', 'b'])
    """
    return _Sequence(load)
