"""Seeing and checking the trees: the networkx graph, tree text, DOT and Mermaid, check().

networkx is imported on first use (``import threadtree`` stays fast); the graph is built from
raw rows, so that it can cross-check the tree queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy, _validate
from .._db import runs, threads, tree
from ..records import Problem
from .base import StoreBase

if TYPE_CHECKING:
    import networkx as nx

    from .. import check as _check
    from .. import graph as _graph
    from .. import render as _render
else:  # imported at first use: `import threadtree` stays fast
    _check = _lazy.module("threadtree.check")
    _graph = _lazy.module("threadtree.graph")
    _render = _lazy.module("threadtree.render")

__all__ = ["Views"]


class Views(StoreBase):
    """Graphs, drawings as text, and checks (methods of :class:`threadtree.Store`)."""

    __slots__ = ()

    def graph(self, thread_id: str) -> nx.DiGraph:
        """The thread as a :class:`networkx.DiGraph`, built from raw rows.

        One node per entry (key: the entry id) with attributes ``role``, ``content``,
        ``preview`` (the first line, at most 60 characters), ``depth``, ``created_at``,
        ``hidden``, ``leaf`` and ``current`` (on the live path), and ``judged`` on the
        candidates of a run's decision (see :meth:`decide`): ``{"score", "passed", "rank"}``,
        ``rank`` 0 for the winner, ``None`` when not selected (the latest decision counts);
        edges parent -> child, added in id order;
        graph attributes ``thread_id``, ``title``, ``current_leaf_id``.

        :raises NotFound: there is no such thread.

        >>> thread = store.create_thread("demo")
        >>> root = store.append(thread.id, "user", "hi")
        >>> _ = store.append(thread.id, "assistant", "hello")
        >>> _ = store.fork(root.id, "assistant", "hey")
        >>> g = store.graph(thread.id)
        >>> sorted(g.successors(root.id)), [n for n, d in g.nodes(data=True) if d["current"]]
        ([2, 3], [1, 3])
        """
        tid = _validate.thread_id(thread_id)
        with self._db.snapshot() as tx:
            thread = threads.get(tx, tid)
            rows = tree.graph_rows(tx, tid)
            judged = runs.candidate_marks(tx, tid)
        graph = _graph.build_graph(thread, rows)
        nodes = graph.nodes
        for eid, (score, passed, rank) in judged.items():
            if eid in nodes:
                nodes[eid]["judged"] = {"score": score, "passed": passed, "rank": rank}
        return graph

    def render_tree(
        self,
        thread_id: str,
        *,
        max_depth: int | None = None,
        ascii_only: bool = False,
        collapse: int | None = None,
        include_hidden: bool = True,
        width: int | None = None,
        spacers: bool = True,
    ) -> str:
        """The whole tree as text: one line per entry (id, role, preview), roots in id order,
        the live path marked with ``●`` (``*`` when ``ascii_only``), hidden entries with
        ``(hidden)`` after their role.

        :param max_depth: stop this many levels below the roots.
        :param ascii_only: only ASCII in the result, box drawing and message text alike.
        :param collapse: fold every run of more than this many entries of a linear stretch
            (one parent, one child, no branch) into a single ``… N entries: a … b`` line.
        :param include_hidden: ``False`` leaves hidden entries out, each shown entry drawn
            under its nearest shown ancestor (as the CLI's ``tree`` does by default).
        :param width: fit every line to this many terminal columns by cutting its preview;
            ``None``: 60-character previews, whatever the width.
        :param spacers: ``False`` drops the lines that hold no entry (the ``╽`` between two
            entries of a chain).
        :raises NotFound: there is no such thread.
        :raises InvalidInput: ``max_depth``, ``collapse`` or ``width`` below 1.
        """
        graph = self.graph(thread_id)
        if not _validate.flag(include_hidden, "include_hidden"):
            graph = _graph.without_hidden(graph)
        return _render.render_tree(
            graph,
            max_depth=max_depth,
            ascii_only=_validate.flag(ascii_only, "ascii_only"),
            collapse=collapse,
            width=width,
            spacers=_validate.flag(spacers, "spacers"),
        )

    def to_dot(self, thread_id: str, *, collapse: int | None = None) -> str:
        """The tree as Graphviz DOT text (``dot -Tsvg``): the live path in red, leaves with a
        double border. Message text is escaped, so quotes and line breaks cannot break it.

        :raises NotFound: there is no such thread.
        """
        return _graph.to_dot(self.graph(thread_id), collapse=collapse)

    def to_mermaid(self, thread_id: str, *, collapse: int | None = None) -> str:
        """The tree as a Mermaid flowchart: the live path in red, leaves rounded. Message text
        is written with Mermaid's entity codes, so quotes, brackets and ``#`` cannot break it.

        :raises NotFound: there is no such thread.
        """
        return _graph.to_mermaid(self.graph(thread_id), collapse=collapse)

    def check(self, thread_id: str | None = None) -> list[Problem]:
        """Every problem in the file (or in one thread): ``[]`` means healthy.

        Rebuilds each thread from raw rows and finds cycles, parents missing or in another
        thread, wrong depths, a current leaf that is missing or foreign, and a leaves table
        out of step; for the whole file also what ``PRAGMA integrity_check`` and
        ``foreign_key_check`` report and rows of threads that no longer exist. The kinds are
        listed in :data:`threadtree.check.KINDS`. Linear in the number of entries.

        :raises NotFound: ``thread_id`` is given and there is no such thread.

        >>> thread = store.create_thread()
        >>> _ = store.append(thread.id, "user", "hi")
        >>> store.check(), store.check(thread.id)
        ([], [])
        """
        tid = None if thread_id is None else _validate.thread_id(thread_id)
        damage = self._db.features.damage
        with self._db.snapshot() as tx:
            if tid is None:
                return _check.check(tx, damage, None)
            return _check.check(tx, damage, tid, tree.leaf(tx, tid).id)
