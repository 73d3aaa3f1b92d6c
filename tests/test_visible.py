"""Hidden entries (system prompts, tool plumbing, progress records) in tips, graphs and tree
text, and tree text that fits a terminal (issue 15, items 3 and 4)."""

from __future__ import annotations

import re

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threadtree
from threadtree.graph import columns, fit, render_tree, tree_lines, without_hidden

# A branching Claude Code session as imported: plumbing between the messages, a branch point
# that is itself hidden, and branches that end in plumbing.
#
#   p0 (hidden) - u1 - a2 - h3 (hidden) - s4 (hidden) - u5 - a6 - h7 (hidden)
#                                                    \
#                                                     u8 - a9 (live)
#                         \
#                          h10 (hidden)
SESSION = [
    ("p0", None, True), ("u1", "p0", False), ("a2", "u1", False), ("h3", "a2", True), ("s4", "h3", True),
    ("u5", "s4", False), ("a6", "u5", False), ("h7", "a6", True), ("u8", "s4", False), ("a9", "u8", False),
    ("h10", "a2", True),
]


def build_session(store, spec=SESSION, live="a9"):
    thread = store.create_thread("session")
    ids: dict[str, int] = {}
    for name, parent, hidden in spec:
        entry = store.append(thread.id, "user", name, parent_id=None if parent is None else ids[parent], hidden=hidden)
        ids[name] = entry.id
    store.rewind(thread.id, ids[live])
    return thread.id, ids


class TestVisibleTips:
    def test_a_branch_ending_in_plumbing_ends_at_its_last_shown_entry(self, store):
        tid, ids = build_session(store)
        assert [e.content for e in store.leaves(tid)] == ["h7", "a9", "h10"]  # every tip, as before
        assert [e.content for e in store.leaves(tid, include_hidden=False)] == ["a6", "a9"]

    def test_a_thread_of_plumbing_only_has_no_shown_tip(self, store):
        tid, _ = build_session(store, [("p", None, True), ("q", "p", True)], live="q")
        assert store.leaves(tid, include_hidden=False) == []

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(threadtree.NotFound):
            store.leaves("nope", include_hidden=False)
        with pytest.raises(threadtree.InvalidInput):
            store.leaves("nope", include_hidden="no")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.integers(min_value=-1, max_value=40), st.booleans()), min_size=1, max_size=40))
    def test_the_query_agrees_with_networkx(self, store, shape):
        """Any forest, any hidden flags: the SQL answer is the visible entries that have no
        visible descendant, as networkx finds them from the raw rows."""
        thread = store.create_thread()
        made: list[int] = []
        for parent, hidden in shape:
            under = made[parent % len(made)] if made and parent >= 0 else None
            made.append(store.append(thread.id, "tool", "x", parent_id=under, hidden=hidden).id)
        graph = store.graph(thread.id)
        expected = [
            n for n in sorted(graph)
            if not graph.nodes[n]["hidden"] and not any(not graph.nodes[d]["hidden"] for d in nx.descendants(graph, n))
        ]
        assert [e.id for e in store.leaves(thread.id, include_hidden=False)] == expected
        assert sorted(n for n, d in without_hidden(graph).nodes(data=True) if d["leaf"]) == expected


class TestWithoutHidden:
    def test_each_shown_entry_hangs_under_its_nearest_shown_ancestor(self, store):
        tid, ids = build_session(store)
        shown = without_hidden(store.graph(tid))
        name = {v: k for k, v in ids.items()}
        assert sorted((name[a], name[b]) for a, b in shown.edges) == [
            ("a2", "u5"), ("a2", "u8"), ("u1", "a2"), ("u5", "a6"), ("u8", "a9"),
        ]
        assert [name[n] for n in shown if shown.nodes[n]["current"]] == ["u1", "a2", "u8", "a9"]
        assert list(shown.successors(ids["a2"])) == [ids["u5"], ids["u8"]]  # sibling order kept

    def test_a_hidden_current_leaf_becomes_the_last_shown_entry_of_the_live_path(self, store):
        tid, ids = build_session(store, live="h7")
        assert without_hidden(store.graph(tid)).graph["current_leaf_id"] == ids["a6"]
        tid, _ = build_session(store, [("p", None, True)], live="p")
        assert without_hidden(store.graph(tid)).graph["current_leaf_id"] is None

    def test_render_tree_leaves_them_out_or_marks_them(self, store):
        tid, ids = build_session(store)
        everything = store.render_tree(tid)
        assert f"{ids['h3']} user (hidden): h3" in everything and everything.count("(hidden)") == 5
        shown = store.render_tree(tid, include_hidden=False)
        assert "hidden" not in shown and "h3" not in shown
        assert len(re.findall(r"\d+ user: ", shown)) == 6


class TestFittingATerminal:
    @pytest.fixture
    def wide(self, store):
        """Deep branches with long text, CJK (two columns a character), combining marks and emoji."""
        thread = store.create_thread()
        words = ["lorem ipsum dolor sit amet " * 5, "漢字のテキストがとても長い" * 6, "e\u0301" * 90, "🙂" * 70]
        previous = None
        for depth in range(24):
            entry = store.append(thread.id, "assistant", words[depth % 4], parent_id=previous)
            if depth % 3 == 0:
                store.fork(entry.id, "user", words[(depth + 1) % 4])  # a branch: the next line is indented
            previous = entry.id
        return thread.id

    @pytest.mark.parametrize("width", [80, 50, 120, 20])
    @pytest.mark.parametrize("ascii_only", [False, True])
    def test_every_line_fits_and_every_entry_keeps_its_id(self, store, wide, width, ascii_only):
        text = store.render_tree(wide, width=width, ascii_only=ascii_only, spacers=False)
        for line in text.splitlines():  # only a line whose drawing and id alone are too wide is
            indent_and_id = re.match(r"^[^0-9]*[0-9]+ [a-z]+", line)
            if columns(indent_and_id.group()) <= width:
                assert columns(line) <= width, (width, line)
        assert sorted(int(n) for n in re.findall(r"(\d+) (?:user|assistant)", text)) == list(range(1, 33))

    def test_without_a_width_previews_stay_60_characters(self, store, wide):
        graph = store.graph(wide)
        assert render_tree(graph) == render_tree(graph, width=None)
        assert max(len(line) for line in render_tree(graph).splitlines()) > 80

    def test_spacers_carry_nothing_and_can_go(self, store):
        tid, _ = build_session(store)
        graph = store.graph(tid)
        full, bare = tree_lines(graph), tree_lines(graph, spacers=False)
        assert [line for line, data in full if data is not None] == [line for line, _ in bare]
        assert [line for line, data in full if data is None] and all(set(line) <= set(" │╎╽") for line, data in full if data is None)
        assert len(bare) == len(graph)

    def test_the_ellipsis_of_max_depth_stays(self, store):
        tid, _ = build_session(store)
        lines = store.render_tree(tid, max_depth=2, spacers=False).splitlines()
        assert lines[-1].strip().endswith("...")

    @pytest.mark.parametrize("width", [0, -1, True, 2.5, "80"])
    def test_a_bad_width_is_refused(self, store, width):
        tid, _ = build_session(store)
        with pytest.raises(threadtree.InvalidInput, match="width"):
            store.render_tree(tid, width=width)

    @pytest.mark.parametrize("text, width, expected", [
        ("short", 10, "short"),
        ("abcdefghij", 5, "abcd…"),
        ("漢字漢字漢字", 7, "漢字漢…"),
        ("e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301e\u0301"),  # combining marks take no column
        ("abcdef", 1, "…"),
    ])
    def test_fit_counts_terminal_columns(self, text, width, expected):
        assert fit(text, width) == expected and columns(fit(text, width)) <= width

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(["a", " ", "漢", "🙂", "\u0301", "\u200d", "é"]), max_size=60),
           st.integers(min_value=1, max_value=40))
    def test_fit_never_overflows_and_only_cuts(self, text, width):
        cut = fit(text, width)
        assert columns(cut) <= width
        if columns(text) <= width:
            assert cut == text
        else:
            assert cut.endswith("…") and text.startswith(cut[:-1])
