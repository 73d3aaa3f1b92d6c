"""A thread's tree and reader in a notebook: :class:`ThreadWidget` (the ``notebook`` extra).

The same view as ``threadtree serve``, as an `anywidget <https://anywidget.dev>`_ for Jupyter,
JupyterLab and VS Code: the tree drawn with the lane layout of :func:`threadtree.draw`, the
path down to the selected entry as a reader, and the selected entry's panel. A click (or a
key: arrows, ``hjkl``) moves the selection; so do :meth:`~ThreadWidget.select`,
:meth:`~ThreadWidget.parent`, :meth:`~ThreadWidget.child` and :meth:`~ThreadWidget.sibling`
from Python. It only reads: a file given by path is opened with ``readonly=True``, and an
open Store is only read from.

The state lives on the Python side, in traitlets synced to the page (``thread``,
``selected``, ``path``, ``tree``, ``detail``, ``message``), each built by the viewer's own
:mod:`threadtree.serve.data` functions, so the notebook and the browser show the same JSON.
The page sets ``selected`` when clicked and sends ``{"move": ...}`` messages for the keys;
Python answers by updating the state. ``widget.js`` and ``widget.css`` ship in the wheel
(no CDN, no build step); the script puts every text into the DOM as text.

Nothing here is imported by ``import threadtree``: anywidget and ipywidgets load when this
module does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import anywidget
    import traitlets
except ImportError as exc:  # pragma: no cover - the extra is installed wherever tests run
    raise ImportError(
        f"threadtree.widget needs the notebook extra: pip install 'threadtree[notebook]' ({exc})"
    ) from exc

from ..errors import InvalidInput, NotFound
from ..serve import data

if TYPE_CHECKING:
    from ..records import Thread
    from ..store import Store

__all__ = ["ThreadWidget"]

_HERE = Path(__file__).parent
SCRIPTS = ((_HERE.parent / "serve" / "static", "lanes.js"), (_HERE, "widget.js"))
_MOVES = ("parent", "child", "previous", "next", "branch", "refresh")


class ThreadWidget(anywidget.AnyWidget):
    """One thread's tree and reader, read-only; click through its branches.

    :param store: an open :class:`threadtree.Store` (only read from), or the path of a
        database file, which the widget opens with ``readonly=True`` and closes in
        :meth:`close`.
    :param thread: the thread (its id or its record).
    :param hidden: draw hidden entries in the tree too (they are left out by default).
    :param collapse: fold runs of more than this many entries without a branch (``None``:
        draw every entry), as :func:`threadtree.draw` does.
    :raises NotFound: there is no such thread.

    The selection starts at the thread's current leaf, with the live path as the reader.
    """

    # The module: the tree's drawing, shared with `threadtree serve`'s page, then the widget.
    _esm = "".join((folder / name).read_text(encoding="utf-8") for folder, name in SCRIPTS)
    _css = _HERE / "widget.css"

    thread = traitlets.Dict().tag(sync=True)  # data.thread(): the record with its counts and its labels
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)  # the selected entry's id
    path = traitlets.Dict().tag(sync=True)  # data.path(): the reader, root down to its tip
    tree = traitlets.Dict().tag(sync=True)  # data.tree(): boxes, edges, lanes, levels
    detail = traitlets.Dict().tag(sync=True)  # data.entry(): the selected entry's panel
    message = traitlets.Unicode("").tag(sync=True)  # why the last move went nowhere

    def __init__(
        self,
        store: Store | str | os.PathLike[str],
        thread: str | Thread,
        *,
        hidden: bool = False,
        collapse: int | None = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(store, (str, os.PathLike)):
            import threadtree

            self._store = threadtree.open(store, readonly=True)
            self._owned = True
        else:
            self._store = store
            self._owned = False
        self._hidden = hidden
        self._collapse = collapse
        self._thread_id = thread if isinstance(thread, str) else thread.id
        self._visited: dict[int, int] = {}  # parent id -> the child last come up from
        self._shown: int | None = None  # the entry the state was last built for
        try:
            self.refresh()
        except BaseException:
            self._close_store()
            raise
        self.observe(self._on_selected, names="selected")
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        return f"ThreadWidget(thread={self._thread_id!r}, selected={self.selected!r})"

    @property
    def thread_id(self) -> str:
        """The id of the thread shown."""
        return self._thread_id

    @property
    def path_ids(self) -> list[int]:
        """The ids of the reader's entries, root (or the first entry of its page) first."""
        return [e["id"] for e in self.path.get("entries", [])]

    # -- moving --

    def select(self, entry_id: int) -> None:
        """Select an entry of the thread: the reader keeps its path when the entry is on it,
        else shows the path down to the entry.

        :raises NotFound: there is no such entry.
        :raises InvalidInput: the entry belongs to another thread.
        """
        store = self._store
        entry = store.get_entry(entry_id)
        if entry.thread_id != self._thread_id:
            raise InvalidInput(f"entry {entry.id} belongs to thread {entry.thread_id!r}, not {self._thread_id!r}")
        path = self.path if entry.id in self.path_ids else data.path(store, self._thread_id, to=entry.id)
        tree = self.tree
        if not tree.get("whole", True) and not any(b.get("id") == entry.id for b in tree.get("boxes", [])):
            tree = self._tree(entry.id)
        detail = data.entry(store, entry.id)
        with self.hold_sync():
            self._shown = entry.id
            self.path, self.tree, self.detail, self.message = path, tree, detail, ""
            self.selected = entry.id

    def parent(self) -> None:
        """Select the selected entry's parent (remembering the child, for :meth:`child`)."""
        here = self._here()
        if here is None or here["parent_id"] is None:
            self.message = "at a root: no parent"
            return
        self._visited[here["parent_id"]] = here["id"]
        self.select(here["parent_id"])

    def child(self) -> None:
        """Select a child of the selected entry: the one last come up from, else the next on
        the reader's path, else the first."""
        here = self._here()
        children = [c["id"] for c in self.detail.get("children", [])]
        if here is None or not children:
            self.message = "a tip: no child"
            return
        ids = self.path_ids
        below = ids[ids.index(here["id"]) + 1] if here["id"] in ids[:-1] else None
        remembered = self._visited.get(here["id"])
        if remembered is not None and remembered in children:
            target = remembered
        else:
            target = below if below is not None else children[0]
        self._visited[here["id"]] = target
        self.select(target)

    def sibling(self, step: int = 1) -> None:
        """Select the next sibling (``step`` 1), the previous one (-1), or ``step`` siblings
        away, stopping at the first or last."""
        if not isinstance(step, int) or isinstance(step, bool) or step == 0:
            raise InvalidInput(f"step must be a non-zero int, not {step!r}")
        for _ in range(abs(step)):
            branch = self.detail.get("branch")
            to = None if branch is None else branch["previous" if step < 0 else "next"]
            if to is None:
                self.message = "no earlier sibling" if step < 0 else "no later sibling"
                return
            self.select(to)

    def next_branch(self) -> None:
        """Select the next entry below the selected one, on the reader's path, that has
        siblings."""
        ids = self.path_ids
        start = ids.index(self.selected) + 1 if self.selected in ids else 0
        for e in self.path.get("entries", [])[start:]:
            if e.get("branch"):
                self.select(e["id"])
                return
        self.message = "no branch point below on this path"

    def refresh(self) -> None:
        """Read the thread again (another process may have written to it), keeping the
        selection where it still exists, else going to the current leaf."""
        store = self._store
        thread = data.thread(store, self._thread_id)
        self.thread = thread
        leaf = thread["thread"]["current_leaf_id"]
        keep = self.selected
        if keep is not None:
            try:
                keep = store.get_entry(keep).id
            except NotFound:  # deleted meanwhile: back to the current leaf
                keep = None
        target = keep if keep is not None else leaf
        self.path = data.path(store, self._thread_id)  # the live path, unless select() needs another
        self.tree = self._tree(target)
        if target is None:
            with self.hold_sync():
                self._shown = None
                self.detail, self.message, self.selected = {}, "", None
            return
        self.select(target)

    def close(self) -> None:
        """Close the widget, and the database file if the widget opened it."""
        super().close()
        self._close_store()

    # -- the page's side --

    def _on_selected(self, change: dict[str, Any]) -> None:
        """The page selected an entry (a click): build the state for it, or put the
        selection back where it was if it is not an entry of this thread."""
        new = change["new"]
        if new == self._shown or new is None:
            return
        try:
            self.select(new)
        except Exception as exc:
            with self.hold_sync():
                self.selected = self._shown
                self.message = str(exc)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A key or button of the page: ``{"move": "parent" | "child" | "previous" |
        "next" | "branch" | "refresh"}``. Anything else is ignored."""
        move = content.get("move") if isinstance(content, dict) else None
        if move not in _MOVES:
            return
        try:
            if move == "parent":
                self.parent()
            elif move == "child":
                self.child()
            elif move in ("previous", "next"):
                self.sibling(-1 if move == "previous" else 1)
            elif move == "branch":
                self.next_branch()
            else:
                self.refresh()
        except Exception as exc:  # the page shows it; the kernel's log is not where people look
            self.message = str(exc)

    def _here(self) -> dict[str, Any] | None:
        entry = self.detail.get("entry")
        return entry if isinstance(entry, dict) else None

    def _tree(self, around: int | None) -> dict[str, Any]:
        return data.tree(self._store, self._thread_id, around=around, collapse=self._collapse, hidden=self._hidden)

    def _close_store(self) -> None:
        if getattr(self, "_owned", False):
            self._owned = False
            self._store.close()
