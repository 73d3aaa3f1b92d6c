"""threadtree.lanes.plan: what a drawing shows and where, checked without rendering anything.

Wide fan-outs fold into ``… N more`` boxes, ``focus`` draws the live path or one subtree, and
every entry of the thread is accounted for: drawn, in a folded run, or behind a fold."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

import threadtree
from threadtree.graph import node_order
from threadtree.lanes import layout, plan

from .shapes import build_realistic


def fan(children: int, *, live: int | None = None) -> nx.DiGraph:
    """Entry 1 with ``children`` children (2, 3, ...); ``live``: the child on the live path."""
    graph = nx.DiGraph(thread_id="t", current_leaf_id=live)
    graph.add_node(1, current=live is not None)
    graph.add_nodes_from((child, {"current": child == live}) for child in range(2, children + 2))
    graph.add_edges_from((1, child) for child in range(2, children + 2))
    return graph


def accounted(picture) -> int:
    """Entries drawn, in folded runs, and behind folds: all of them, each once."""
    runs = sum(box.data["collapsed"] for box in picture.boxes if box.kind == "run")
    return picture.drawn + runs + picture.folded


def assert_plan(picture) -> None:
    """What every picture promises: a place of its own for each box, each child one level
    below its parent, no two edges crossing, the counts right."""
    at = {box.node: (box.x, box.y) for box in picture.boxes}
    assert len(set(at.values())) == len(at), "two boxes share a place"
    for edge in picture.edges:
        assert at[edge.child][1] == at[edge.parent][1] + 1
    by_gap: dict = {}
    for edge in picture.edges:
        by_gap.setdefault(at[edge.parent][1], []).append((at[edge.parent][0], at[edge.child][0]))
    for edges in by_gap.values():
        for (a_top, a_bottom), (b_top, b_bottom) in itertools.combinations(edges, 2):
            assert (a_top - b_top) * (a_bottom - b_bottom) >= 0, "edges cross"
    assert picture.lanes == 1 + max(x for x, _ in at.values())
    assert picture.levels == 1 + max(y for _, y in at.values())
    assert picture.drawn == sum(1 for box in picture.boxes if box.kind == "entry")
    assert not any(box.live for box in picture.folds)


class TestFold:
    def test_a_fan_out_of_100_000_children_keeps_the_first_and_last_three_and_folds_the_rest(self):
        picture = plan(fan(100_000))
        assert [box.node for box in picture.boxes] == [1, 2, 3, 4, ("more", 5), 99_999, 100_000, 100_001]
        assert [(box.x, box.y) for box in picture.boxes] == [(0, 0)] + [(lane, 1) for lane in range(7)]
        assert (picture.lanes, picture.levels) == (7, 2)
        (fold,) = picture.folds
        assert fold.data["more"] == fold.data["entries"] == fold.data["tips"] == 99_994
        assert (fold.data["first"], fold.data["last"], fold.data["below"]) == (5, 99_998, False)
        assert (picture.entries, picture.drawn, picture.folded) == (100_001, 7, 99_994)
        assert_plan(picture)

    def test_the_live_child_is_always_drawn_and_splits_the_fold_in_two(self):
        picture = plan(fan(20, live=12))
        assert [box.node for box in picture.boxes] == [1, 2, 3, 4, ("more", 5), 12, ("more", 13), 19, 20, 21]
        assert [box.data["more"] for box in picture.folds] == [7, 6]
        assert [edge.live for edge in picture.edges if edge.child == 12] == [True]
        assert accounted(picture) == 21
        assert_plan(picture)

    @pytest.mark.parametrize(
        "children, live, folded",
        [
            pytest.param(7, None, 0, id="2-fold-plus-1-children-all-drawn"),
            pytest.param(8, None, 2, id="8-children-fold-2"),
            pytest.param(8, 5, 0, id="live-child-leaves-one-to-fold-so-none-is"),
        ],
    )
    def test_a_fold_always_stands_for_two_children_or_more(self, children, live, folded):
        picture = plan(fan(children, live=live))
        assert picture.folded == folded
        assert all(box.data["more"] >= 2 for box in picture.folds)
        assert accounted(picture) == children + 1

    def test_fold_none_draws_every_child_and_fold_1_keeps_one_at_each_side(self):
        assert plan(fan(30), fold=None).drawn == 31
        assert [box.node for box in plan(fan(30), fold=1).boxes] == [1, 2, ("more", 3), 31]

    def test_a_fold_counts_every_entry_and_tip_below_its_children(self):
        graph = fan(10)
        for child in range(2, 12):  # each answer: a follow-up that was answered twice
            graph.add_edges_from([(child, 100 * child), (100 * child, 100 * child + 1), (100 * child, 100 * child + 2)])
        picture = plan(graph, collapse=None)
        (fold,) = picture.folds
        assert (fold.data["more"], fold.data["entries"], fold.data["tips"]) == (4, 16, 8)
        assert accounted(picture) == graph.number_of_nodes()
        assert_plan(picture)

    def test_many_roots_fold_like_siblings(self):
        graph = nx.DiGraph()
        graph.add_nodes_from(range(1, 51))
        picture = plan(graph)
        assert [box.node for box in picture.boxes] == [1, 2, 3, ("more", 4), 48, 49, 50]
        assert {box.y for box in picture.boxes} == {0} and picture.lanes == 7

    def test_the_realistic_tree_folds_nothing_and_every_entry_is_accounted_for(self, store, thread):
        build_realistic(store, thread.id, seed=3)
        graph = store.graph(thread.id)
        for collapse in (None, 1, 3):
            picture = plan(graph, collapse=collapse)
            assert picture.folds == () and accounted(picture) == 300
            assert_plan(picture)


class TestFocus:
    def test_live_shows_the_live_path_straight_down_and_the_siblings_at_each_branch_point(self, store, thread):
        build_realistic(store, thread.id, seed=1)
        graph = store.graph(thread.id)
        live = {entry.id for entry in store.path(thread.id)}
        picture = plan(graph, focus="live", collapse=None)
        boxes = {box.node: box for box in picture.boxes}
        assert live <= set(boxes) and all(boxes[node].x == 0 for node in live)
        beside = {child for node in live for child in graph.succ[node]} - live
        assert beside and beside <= set(boxes)  # every sibling at every branch point
        for box in picture.boxes:  # and nothing else but one box below each sibling
            parent = box.node if box.kind == "fold" else next(iter(graph.pred[box.node]), None)
            assert box.node in live or box.node in beside or parent in beside or box.kind == "fold"
        assert all(box.data["below"] for box in picture.folds)
        assert accounted(picture) == 300
        assert_plan(picture)

    def test_live_is_far_narrower_than_the_whole_realistic_tree(self, store, thread):
        """The README's figures: the whole 300-entry, 20-branch tree is 12-17 lanes wide (seeds
        0-9, median 14), the live path with its siblings 2-6 (median 3)."""
        whole, focused = [], []
        for seed in range(10):
            tid = store.create_thread(thread_id=f"seed-{seed}").id
            build_realistic(store, tid, seed=seed)
            whole.append(plan(store.graph(tid)).lanes)
            focused.append(plan(store.graph(tid), focus="live").lanes)
        assert (min(whole), sorted(whole)[5], max(whole)) == (12, 14, 17)
        assert (min(focused), sorted(focused)[5], max(focused)) == (2, 3, 6)
        assert all(f < w / 2 for f, w in zip(focused, whole))

    def test_live_after_a_rewind_shows_the_children_of_the_current_leaf(self, store, thread):
        build_realistic(store, thread.id, seed=2)
        middle = store.path(thread.id)[40]
        store.rewind(thread.id, middle.id)
        picture = plan(store.graph(thread.id), focus="live", collapse=None)
        drawn = {box.node for box in picture.boxes}
        assert {child.id for child in store.children(middle.id)} <= drawn
        assert accounted(picture) == 300

    def test_an_entry_id_draws_that_entry_and_everything_below_it(self, store, thread):
        build_realistic(store, thread.id, seed=4)
        top = store.path(thread.id)[20]
        below = {entry.id for entry in store.subtree(top.id)}
        picture = plan(store.graph(thread.id), focus=top.id)
        assert picture.boxes[0].node == top.id and (picture.boxes[0].x, picture.boxes[0].y) == (0, 0)
        assert {box.node for box in picture.boxes if box.kind == "entry"} <= below
        assert accounted(picture) == len(below) < 300
        assert_plan(picture)

    @pytest.mark.parametrize(
        "options, error, field",
        [
            pytest.param({"focus": "dead"}, threadtree.InvalidInput, "focus", id="focus-word"),
            pytest.param({"focus": 1.5}, threadtree.InvalidInput, "focus", id="focus-float"),
            pytest.param({"focus": True}, threadtree.InvalidInput, "focus", id="focus-bool"),
            pytest.param({"focus": 99}, threadtree.NotFound, "focus", id="focus-not-in-thread"),
            pytest.param({"fold": 0}, threadtree.InvalidInput, "fold", id="fold-0"),
            pytest.param({"fold": True}, threadtree.InvalidInput, "fold", id="fold-bool"),
            pytest.param({"collapse": 0}, threadtree.InvalidInput, "collapse", id="collapse-0"),
        ],
    )
    def test_bad_options_raise_naming_the_option(self, options, error, field):
        with pytest.raises(error, match=field):
            plan(fan(3), **options)


class TestLayoutTrunk:
    def test_a_trunk_child_goes_straight_down_and_its_siblings_open_right_in_id_order(self):
        graph = fan(4)  # children 2..5
        graph.add_edges_from([(4, 6), (6, 7)])
        assert layout(graph, trunk={4, 6}) == {
            1: (0.0, 0.0), 4: (0.0, 1.0), 6: (0.0, 2.0), 7: (0.0, 3.0), 2: (1.0, 1.0), 3: (2.0, 1.0), 5: (3.0, 1.0),
        }

    def test_without_a_trunk_the_first_child_in_id_order_goes_straight_down(self):
        graph = fan(4)
        assert sorted(layout(graph), key=node_order) == [1, 2, 3, 4, 5]
        assert layout(graph)[2] == (0.0, 1.0)
