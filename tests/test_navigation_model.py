"""branch_points and switch against a model (Hypothesis, networkx as the oracle).

Random appends, forks, rewinds, checkouts, redos, switches and deletes on one thread. The
model keeps the forest and, as the issue words it, where each branch was left: the leaf the
live path was at each time it moved somewhere not below that leaf. After every step,
branch_points of the live path is what the networkx graph of the model says, and every
switch lands where the model says: on the live leaf when the branch is live, else on the
newest leaf the branch was left at, else on the branch's newest leaf."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import threadtree


class SwitchMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.store = threadtree.open(":memory:")
        self.tid = self.store.create_thread(thread_id="t").id
        self.parent: dict[int, int | None] = {}
        self.leaf: int | None = None
        self.left: dict[int, int] = {}  # entry -> the number of the move that left it
        self.moves = 0

    def teardown(self):
        self.store.close()

    # -- the model --

    def graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.parent)
        graph.add_edges_from((p, c) for c, p in self.parent.items() if p is not None)
        return graph

    def below(self, eid: int) -> set[int]:
        return {eid} | nx.descendants(self.graph(), eid)

    def move(self, new: int | None, *, remember: bool) -> None:
        if new == self.leaf:
            return
        self.moves += 1
        if remember and self.leaf is not None:
            self.left[self.leaf] = self.moves
        self.leaf = new

    def pick(self, data, *, allow_none: bool = False):
        choices = sorted(self.parent)
        if allow_none:
            return data.draw(st.sampled_from([None, *choices]))
        return data.draw(st.sampled_from(choices))

    # -- rules --

    @rule(root=st.booleans())
    def append(self, root):
        if root:
            entry = self.store.append(self.tid, "user", "x", parent_id=None)
            self.parent[entry.id] = None
            self.move(entry.id, remember=True)  # a new root: the old branch is left
        else:
            entry = self.store.append(self.tid, "user", "x")
            self.parent[entry.id] = self.leaf
            self.move(entry.id, remember=False)

    @precondition(lambda self: self.parent)
    @rule(data=st.data())
    def fork(self, data):
        at = self.pick(data)
        entry = self.store.fork(at, "assistant", "y")
        self.parent[entry.id] = at
        self.move(entry.id, remember=at != self.leaf)

    @precondition(lambda self: self.parent)
    @rule(data=st.data())
    def rewind(self, data):
        target = self.pick(data, allow_none=True)
        self.store.rewind(self.tid, target)
        self.move(target, remember=True)

    @precondition(lambda self: self.parent)
    @rule(data=st.data())
    def checkout(self, data):
        target = self.pick(data)
        self.store.checkout(target)
        self.move(target, remember=True)

    @rule()
    def redo(self):
        step = self.store.redo(self.tid)
        if step is not None:
            self.move(step.id, remember=False)

    @precondition(lambda self: self.parent)
    @rule(data=st.data())
    def switch(self, data):
        target = self.pick(data)
        branch = self.below(target)
        if self.leaf in branch:
            expected = self.leaf
        else:
            left = [e for e in branch if e in self.left]
            expected = max(left, key=self.left.__getitem__) if left else max(branch)
        assert self.store.switch(target).id == expected
        self.move(expected, remember=True)

    @precondition(lambda self: self.parent)
    @rule(data=st.data())
    def delete_branch(self, data):
        target = self.pick(data)
        gone = self.below(target)
        self.store.delete_branch(target)
        if self.leaf in gone:
            self.move(self.parent[target], remember=False)
        for eid in gone:
            del self.parent[eid]
            self.left.pop(eid, None)

    # -- invariants --

    @invariant()
    def branch_points_are_the_siblings_on_the_live_path(self):
        assert self.store.get_thread(self.tid).current_leaf_id == self.leaf
        if self.leaf is None:
            assert self.store.branch_points(self.tid) == []
            return
        graph = self.graph()
        roots = sorted(n for n in graph if graph.in_degree(n) == 0)
        path = nx.shortest_path(graph, next(r for r in roots if nx.has_path(graph, r, self.leaf)), self.leaf)
        expected = []
        for eid in path:
            parent = self.parent[eid]
            siblings = tuple(sorted(graph.successors(parent))) if parent is not None else tuple(roots)
            if len(siblings) > 1:
                expected.append((eid, parent, siblings.index(eid) + 1, len(siblings), siblings))
        found = [(p.entry_id, p.parent_id, p.position, p.count, p.sibling_ids) for p in self.store.branch_points(self.tid)]
        assert found == expected


TestSwitchModel = SwitchMachine.TestCase
TestSwitchModel.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
