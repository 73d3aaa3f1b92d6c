"""A Hypothesis state machine: random sequences of writes against a plain-Python model of
the forest. After every step the store and the model agree on every thread's live path,
leaves and current leaf and on every entry's children; store.check() finds nothing; the
graph built from raw rows agrees with the recursive queries; and a networkx graph of the
raw rows is a forest with correct depths."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import threadtree
from threadtree import Conflict, InvalidInput, NotFound

from .strategies import json_values, roles, texts
from .helpers import raw_conn


class ForestMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = threadtree.open(":memory:")
        self.parent: dict[int, int | None] = {}
        self.thread_of: dict[int, str] = {}
        self.leaf: dict[str, int | None] = {}
        self.stored: dict[int, tuple] = {}
        self.next_thread = 0

    def teardown(self):
        self.store.close()

    # -- the model --

    def _entries_of(self, tid):
        return sorted(eid for eid, owner in self.thread_of.items() if owner == tid)

    def _model_path(self, eid):
        path = []
        while eid is not None:
            path.append(eid)
            eid = self.parent[eid]
        return path[::-1]

    def _model_children(self, eid):
        return sorted(child for child, parent in self.parent.items() if parent == eid)

    def _descendants(self, eid):
        found, todo = [], [eid]
        while todo:
            current = todo.pop()
            found.append(current)
            todo.extend(self._model_children(current))
        return found

    def _record(self, entry, tid, parent, role, content, item):
        assert (entry.thread_id, entry.parent_id, entry.role, entry.content, entry.item) == (
            tid, parent, role, content, item,
        )
        expected_depth = 0 if parent is None else len(self._model_path(parent))
        assert entry.depth == expected_depth
        self.parent[entry.id] = parent
        self.thread_of[entry.id] = tid
        self.stored[entry.id] = (role, content, item)
        self.leaf[tid] = entry.id

    # -- rules --

    @rule(title=st.none() | texts)
    def create_thread(self, title):
        tid = f"thread-{self.next_thread}"
        self.next_thread += 1
        thread = self.store.create_thread(title, thread_id=tid)
        assert thread.title == title and thread.current_leaf_id is None
        self.leaf[tid] = None

    @precondition(lambda self: self.leaf)
    @rule(data=st.data(), role=roles, content=texts, item=json_values)
    def append(self, data, role, content, item):
        tid = data.draw(st.sampled_from(sorted(self.leaf)), label="thread")
        own = self._entries_of(tid)
        where = data.draw(st.sampled_from(["leaf", "root", "parent"] if own else ["leaf", "root"]))
        if where == "leaf":
            entry, parent = self.store.append(tid, role, content, item=item), self.leaf[tid]
        elif where == "root":
            entry, parent = self.store.append(tid, role, content, item=item, parent_id=None), None
        else:
            parent = data.draw(st.sampled_from(own), label="parent")
            entry = self.store.append(tid, role, content, item=item, parent_id=parent)
        self._record(entry, tid, parent, role, content, item)

    @precondition(lambda self: self.leaf)
    @rule(data=st.data(), messages=st.lists(st.tuples(roles, texts, json_values), max_size=4))
    def extend(self, data, messages):
        tid = data.draw(st.sampled_from(sorted(self.leaf)), label="thread")
        added = self.store.extend(tid, [{"role": r, "content": c, "item": i} for r, c, i in messages])
        assert len(added) == len(messages)
        for entry, (role, content, item) in zip(added, messages):
            self._record(entry, tid, self.leaf[tid], role, content, item)

    @precondition(lambda self: self.parent)
    @rule(data=st.data(), role=roles, content=texts)
    def fork(self, data, role, content):
        eid = data.draw(st.sampled_from(sorted(self.parent)), label="entry")
        entry = self.store.fork(eid, role, content)
        self._record(entry, self.thread_of[eid], eid, role, content, None)

    @precondition(lambda self: self.leaf)
    @rule(data=st.data())
    def rewind(self, data):
        tid = data.draw(st.sampled_from(sorted(self.leaf)), label="thread")
        target = data.draw(st.sampled_from([None, *sorted(self.parent)]), label="target")
        if target is not None and self.thread_of[target] != tid:
            try:
                self.store.rewind(tid, target)
            except InvalidInput:
                return
            raise AssertionError("a rewind into another thread was accepted")
        returned = self.store.rewind(tid, target)
        assert (returned.id if returned else None) == target
        self.leaf[tid] = target

    @precondition(lambda self: self.leaf)
    @rule(data=st.data())
    def stale_compare_and_set_writes_nothing(self, data):
        tid = data.draw(st.sampled_from(sorted(self.leaf)), label="thread")
        stale = data.draw(st.sampled_from([None, -1, *self._entries_of(tid)]), label="expected")
        if stale == self.leaf[tid]:
            return
        try:
            self.store.append(tid, "user", "never written", expected_leaf_id=stale)
        except Conflict:
            return
        raise AssertionError("a stale expected_leaf_id was accepted")

    @rule(data=st.data())
    def delete_branch(self, data):
        choices = [*sorted(self.parent), 10**9]  # an id that never existed
        eid = data.draw(st.sampled_from(choices), label="entry")
        if eid not in self.parent:
            try:
                self.store.delete_branch(eid)
            except NotFound:
                return
            raise AssertionError("deleting an unknown entry did not raise NotFound")
        tid, gone = self.thread_of[eid], self._descendants(eid)
        assert self.store.delete_branch(eid) == len(gone)
        if self.leaf[tid] in gone:
            self.leaf[tid] = self.parent[eid]
        for dead in gone:
            del self.parent[dead], self.thread_of[dead], self.stored[dead]

    @precondition(lambda self: self.leaf)
    @rule(data=st.data())
    def delete_thread(self, data):
        tid = data.draw(st.sampled_from(sorted(self.leaf)), label="thread")
        own = self._entries_of(tid)
        assert self.store.delete_thread(tid) == len(own)
        del self.leaf[tid]
        for dead in own:
            del self.parent[dead], self.thread_of[dead], self.stored[dead]

    # -- invariants --

    @invariant()
    def threads_agree(self):
        assert sorted(t.id for t in self.store.list_threads(limit=None)) == sorted(self.leaf)
        for tid, leaf in self.leaf.items():
            assert self.store.get_thread(tid).current_leaf_id == leaf
            path = [e.id for e in self.store.path(tid)]
            assert path == ([] if leaf is None else self._model_path(leaf))
            own = self._entries_of(tid)
            assert [e.id for e in self.store.leaves(tid)] == [e for e in own if not self._model_children(e)]

    @invariant()
    def entries_agree(self):
        for eid in self.parent:
            assert [e.id for e in self.store.children(eid)] == self._model_children(eid)
            entry = self.store.get_entry(eid)
            assert (entry.role, entry.content, entry.item) == self.stored[eid]

    @invariant()
    def the_file_is_healthy(self):
        assert self.store.check() == []

    @invariant()
    def the_graph_agrees_with_the_queries(self):
        for tid in self.leaf:
            graph = self.store.graph(tid)
            assert sorted(graph) == self._entries_of(tid)
            assert [n for n in graph if graph.out_degree(n) == 0] == [e.id for e in self.store.leaves(tid)]
            live = [n for n, data in graph.nodes(data=True) if data["current"]]
            assert live == [e.id for e in self.store.path(tid)]

    @invariant()
    def the_raw_rows_form_a_forest_with_true_depths(self):
        rows = raw_conn(self.store).execute("select id, parent_entry_id, thread_id, depth from entries").fetchall()
        graph = nx.DiGraph()
        graph.add_nodes_from((eid, {"thread": tid, "depth": depth}) for eid, _, tid, depth in rows)
        graph.add_edges_from((parent, eid) for eid, parent, _, _ in rows if parent is not None)
        if graph:
            assert nx.is_branching(graph)
        for _, parent, tid, depth in rows:
            if parent is None:
                assert depth == 0
            else:
                assert graph.nodes[parent]["thread"] == tid
                assert depth == graph.nodes[parent]["depth"] + 1


ForestMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestForest = ForestMachine.TestCase
