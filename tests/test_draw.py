"""threadtree.draw: the lane layout, the picture it makes, matplotlib as an optional
dependency, and the example notebook."""

from __future__ import annotations

import io
import itertools
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display in tests

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import threadtree  # noqa: E402
from threadtree.drawing import layout  # noqa: E402
from threadtree.graph import collapse_chains  # noqa: E402
from threadtree.lanes import plan  # noqa: E402

from .shapes import SENTENCES, build_realistic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
LIVE = "#d62728"  # the red of the DOT and Mermaid output



@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def build_branching(store, thread_id, *, entries=300, branches=20, seed=7):
    """A main chain of half the entries, then ``branches`` forks, each a chain growing from a
    random entry that already has children (so every fork adds a branch tip)."""
    rng = random.Random(seed)

    def messages(count):
        roles = itertools.cycle(["user", "assistant"])
        return [{"role": next(roles), "content": rng.choice(SENTENCES)} for _ in range(count)]

    made = store.extend(thread_id, messages(entries // 2))
    left = entries - len(made)
    for number in range(branches):
        size = left // (branches - number)
        parent = rng.choice([entry for entry in made if store.children(entry.id)])
        made += store.extend(thread_id, messages(size), parent_id=parent.id)
        left -= size
    return made


@pytest.fixture
def big_thread(store, thread):
    """300 entries, 20 forks: 21 branch tips, the live path ending on the last branch."""
    build_branching(store, thread.id)
    assert len(store.leaves(thread.id)) == 21
    return thread


# -- the layout --


def _key(node):
    return (node[1], 1) if isinstance(node, tuple) else (node, 0)


def _several_roots(store, thread):
    for root in range(3):
        first = store.append(thread.id, "user", f"root {root}", parent_id=None)
        for child in range(root + 1):
            store.fork(first.id, "assistant", f"answer {child}")
            store.append(thread.id, "user", "more")


def _deep(store, thread):
    chain = store.extend(thread.id, [{"role": "user", "content": str(i)} for i in range(1500)])
    store.fork(chain[700].id, "assistant", "a late branch")


def _wide(store, thread):
    question = store.append(thread.id, "user", "pick one")
    for answer in range(30):
        store.fork(question.id, "assistant", f"answer {answer}")
        if answer % 3 == 0:
            store.append(thread.id, "user", "and then?")


def _big(store, thread):
    build_branching(store, thread.id)


SHAPES = [
    pytest.param(_several_roots, id="several-roots"),
    pytest.param(_deep, id="deep"),
    pytest.param(_wide, id="wide"),
    pytest.param(_big, id="300-entries-20-branches"),
]


def assert_layout(graph, pos):
    """The layout's promises; y is the level, growing downwards."""
    assert set(pos) == set(graph)
    assert len(set(pos.values())) == len(pos), "two nodes share a position"
    starts = [n for n in graph if graph.in_degree(n) == 0]
    for start in starts:
        assert pos[start][1] == 0
    for parent, child in graph.edges:
        assert pos[child][1] == pos[parent][1] + 1
    for node in graph:
        children = sorted(graph.succ[node], key=_key)
        if children:  # the conversation goes straight down; branches open to the right
            assert pos[children[0]][0] == pos[node][0], f"first child of {node} not below it"
            xs = [pos[c][0] for c in children]
            assert xs == sorted(xs) and len(set(xs)) == len(xs), f"children of {node} not left to right"
    # No two edges cross: in each gap between two rows, edges keep their left-right order.
    by_gap = {}
    for parent, child in graph.edges:
        by_gap.setdefault(pos[parent][1], []).append((pos[parent][0], pos[child][0]))
    for edges in by_gap.values():
        for (a_top, a_bottom), (b_top, b_bottom) in itertools.combinations(edges, 2):
            assert (a_top - b_top) * (a_bottom - b_bottom) >= 0, f"edges cross: {(a_top, a_bottom)} {(b_top, b_bottom)}"
    # Boxes one right under the other are parent and child, never strangers.
    at = {xy: node for node, xy in pos.items()}
    for node, (x, y) in pos.items():
        below = at.get((x, y + 1))
        assert below is None or graph.has_edge(node, below), f"{below} stands right under {node}"
    # Roots side by side: each root's tree keeps to its own run of lanes, in id order.
    spans = []
    for start in sorted(starts, key=_key):
        xs = [pos[n][0] for n in {start} | nx.descendants(graph, start)]
        spans.append((min(xs), max(xs)))
    assert all(left[1] < right[0] for left, right in itertools.pairwise(spans))


def _lanes(pos):
    return len({x for x, _ in pos.values()})


class TestLayout:
    @pytest.mark.parametrize("build", SHAPES)
    @pytest.mark.parametrize("collapse", [None, 1, 3])
    def test_roots_on_top_straight_lines_branches_to_the_right_no_crossings(self, store, thread, build, collapse):
        build(store, thread)
        graph = store.graph(thread.id)
        if collapse is not None:
            graph = collapse_chains(graph, collapse)
        assert_layout(graph, layout(graph))

    def test_lanes_are_used_again_so_the_width_follows_branches_side_by_side(self, store, thread, other_thread):
        """A main line with 20 short side branches needs two lanes, not 21 columns; the nested
        300-entry tree needs far fewer lanes than it has tips."""
        main = store.extend(thread.id, [{"role": "user", "content": str(i)} for i in range(200)])
        for k in range(20):
            store.extend(thread.id, [{"role": "assistant", "content": "side"}] * 3, parent_id=main[5 + 9 * k].id)
        graph = store.graph(thread.id)
        assert len([n for n in graph if graph.out_degree(n) == 0]) == 21
        assert _lanes(layout(graph)) == 2
        build_branching(store, other_thread.id)
        nested = collapse_chains(store.graph(other_thread.id), 3)
        assert _lanes(layout(nested)) <= 8

    def test_a_small_tree_gets_exactly_these_positions(self):
        graph = nx.DiGraph([(1, 2), (1, 5), (2, 3), (2, 4), (5, 6)])
        graph.add_node(7)  # a second root
        assert layout(graph) == {
            1: (0.0, 0.0), 2: (0.0, 1.0), 3: (0.0, 2.0), 4: (1.0, 2.0), 5: (2.0, 1.0), 6: (2.0, 2.0),
            7: (3.0, 0.0),
        }

    def test_a_damaged_graph_with_a_cycle_still_gets_every_node_once(self):
        graph = nx.DiGraph([(1, 2), (5, 6), (6, 7), (7, 5)])
        pos = layout(graph)
        assert set(pos) == set(graph) and len(set(pos.values())) == len(graph)

    def test_an_empty_graph_has_an_empty_layout(self):
        assert layout(nx.DiGraph()) == {}


# -- the picture --


def _drawn(ax):
    """Render the figure; return ({node key: text}, {gid: line}, renderer)."""
    ax.figure.canvas.draw()
    return _texts(ax), {line.get_gid(): line for line in ax.lines}, ax.figure.canvas.get_renderer()


def _texts(ax):
    """{node key: its text artist}, found by the artists' gids."""
    texts = {}
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid.startswith("entry-"):
            texts[int(gid.removeprefix("entry-"))] = text
        elif gid.startswith(("collapsed-", "more-")):
            kind, first = gid.split("-")
            texts[(kind, int(first))] = text
    return texts


def _gid(node):
    return f"{node[0]}-{node[1]}" if isinstance(node, tuple) else str(node)


def _assert_no_overlaps(ax, texts, renderer, frame):
    """No two boxes (nor two texts) overlap, and every box lies inside ``frame``."""
    fig = ax.figure
    # The outer line of a tip's double border reaches 0.3 em outside its box.
    boxes = [
        text.get_bbox_patch().get_window_extent(renderer).padded(0.3 * text.get_fontsize() * fig.dpi / 72)
        for text in texts.values()
    ]
    labels = [text.get_window_extent(renderer) for text in texts.values()]
    for group in (boxes, labels):
        for (i, a), (j, b) in itertools.combinations(enumerate(group), 2):
            assert not a.overlaps(b), f"{list(texts)[i]} and {list(texts)[j]} overlap"
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


class TestDraw:
    def test_a_300_entry_thread_with_20_branches_has_no_overlapping_boxes_and_stays_readable(
        self, store, big_thread
    ):
        ax = threadtree.draw(store, big_thread.id)
        texts, _, renderer = _drawn(ax)
        graph = collapse_chains(store.graph(big_thread.id), 3)
        assert set(texts) == set(graph)
        _assert_no_overlaps(ax, texts, renderer, ax.figure.bbox)
        for parent, child in graph.edges:  # on the picture, too, every child is below its parent
            above, below = texts[parent].get_window_extent(renderer), texts[child].get_window_extent(renderer)
            assert above.y0 > below.y1
        assert min(text.get_fontsize() for text in texts.values()) >= 6
        width, height = ax.figure.get_size_inches()
        # Narrow enough for a notebook to show it at full size (it scrolls down, not across).
        assert width <= 12 and height <= 40

    def test_drawing_into_small_axes_of_your_own_shrinks_the_text_instead_of_overlapping(
        self, store, big_thread
    ):
        # Half of this figure is far smaller than the 30 x 35 inches the tree would get; not
        # so small that the text would have to shrink below a pixel per em.
        fig, (_, mine) = plt.subplots(1, 2, figsize=(20, 16))
        assert threadtree.draw(store, big_thread.id, ax=mine) is mine
        assert plt.get_fignums() == [fig.number]
        assert tuple(fig.get_size_inches()) == (20, 16)
        texts, _, renderer = _drawn(mine)
        assert len(texts) > 100
        assert max(text.get_fontsize() for text in texts.values()) < 4
        _assert_no_overlaps(mine, texts, renderer, mine.get_window_extent(renderer))

    def test_the_live_path_is_red_and_thick_and_nothing_else_is(self, store, big_thread):
        store.rewind(big_thread.id, store.path(big_thread.id)[-3].id)  # an interior current leaf
        live = {entry.id for entry in store.path(big_thread.id)}
        graph = collapse_chains(store.graph(big_thread.id), 3)
        texts, lines, _ = _drawn(threadtree.draw(store, big_thread.id))

        def on_path(node):
            return (node[1] if isinstance(node, tuple) else node) in live

        live_widths, other_widths = [], []
        for parent, child in graph.edges:
            line = lines[f"edge-{_gid(parent)}->{_gid(child)}"]
            if on_path(parent) and on_path(child):
                assert to_hex(line.get_color()) == LIVE
                live_widths.append(line.get_linewidth())
            else:
                assert to_hex(line.get_color()) != LIVE
                other_widths.append(line.get_linewidth())
        assert len(live_widths) == sum(1 for n in graph if on_path(n)) - 1
        assert min(live_widths) > max(other_widths)
        assert len(lines) == graph.number_of_edges()
        for node, text in texts.items():
            assert (to_hex(text.get_bbox_patch().get_edgecolor()) == LIVE) == on_path(node), node

    def test_branch_tips_have_a_double_border_and_no_other_box_does(self, store, big_thread):
        tips = {entry.id for entry in store.leaves(big_thread.id)}
        texts, _, _ = _drawn(threadtree.draw(store, big_thread.id))
        for node, text in texts.items():
            strokes = text.get_bbox_patch().get_path_effects()
            assert (len(strokes) >= 2) == (node in tips), node
        assert tips <= set(texts)

    def test_folded_runs_are_dashed_boxes_and_collapse_none_draws_every_entry(self, store, big_thread):
        texts = _texts(threadtree.draw(store, big_thread.id))
        for node, text in texts.items():
            folded = isinstance(node, tuple)
            assert (text.get_bbox_patch().get_linestyle() == "--") == folded, node
            assert text.get_text().startswith("… ") == folded, node
        assert set(_texts(threadtree.draw(store, big_thread.id, collapse=None))) == set(range(1, 301))

    def test_a_label_is_the_id_the_role_and_the_start_of_the_message(self, store, thread):
        entry = store.append(thread.id, "assistant", "Lisbon is lovely in spring, with mild weather.")
        (text,) = _texts(threadtree.draw(store, thread.id, max_label=20)).values()
        head, *rest = text.get_text().split("\n")
        assert head == f"{entry.id} assistant"
        assert rest == ["Lisbon is lovely …"]

    def test_dollar_signs_in_messages_are_text_not_mathtext(self, store, thread, tmp_path):
        store.append(thread.id, "user", r"a $\left( b$")  # one line of the label
        ax = threadtree.draw(store, thread.id)
        ax.figure.savefig(tmp_path / "dollars.png")  # mathtext would fail on the unclosed \left(

    def test_the_figure_grows_with_the_lanes_and_the_levels(self, store, thread, other_thread):
        root = store.append(thread.id, "user", "one question")
        for answer in range(12):
            store.fork(root.id, "assistant", f"answer {answer}")
        store.extend(other_thread.id, [{"role": "user", "content": f"step {i}"} for i in range(3)])
        wide = threadtree.draw(store, thread.id, fold=None).figure.get_size_inches()  # all 12 lanes
        small = threadtree.draw(store, other_thread.id).figure.get_size_inches()
        store.extend(other_thread.id, [{"role": "user", "content": f"step {i}"} for i in range(3, 12)])
        tall = threadtree.draw(store, other_thread.id, collapse=None).figure.get_size_inches()
        assert wide[0] > 2 * small[0] and tall[1] > 2 * small[1]
        assert small[0] < 8 and small[1] < 4

    def test_a_png_of_the_300_entry_drawing_is_a_real_png_of_sensible_size(self, store, big_thread, tmp_path):
        target = tmp_path / "tree.png"
        threadtree.draw(store, big_thread.id).figure.savefig(target)
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
        width, height = struct.unpack(">II", data[16:24])
        assert 600 < width <= 1300 and 1000 < height <= 4000  # about a notebook's width
        assert 50_000 < len(data) < 5_000_000

    def test_an_empty_thread_draws_an_empty_tree_under_its_title(self, store, thread):
        ax = threadtree.draw(store, thread.id)
        texts, lines, _ = _drawn(ax)
        assert texts == {} and lines == {}
        assert ax.get_title(loc="left") == "test thread" and ax.get_title(loc="right") == "no entries"


def _fan_out(store, thread, answers):
    """One question with ``answers`` answers; returns the question and the answers' ids."""
    question = store.append(thread.id, "user", "Pick a name.")
    return question, [store.fork(question.id, "assistant", f"Name {k}").id for k in range(answers)]


def _long_branches(store, thread, branches):
    question = store.append(thread.id, "user", "Tell me a long story.")
    for _ in range(branches):
        store.extend(thread.id, [{"role": "assistant", "content": f"part {i}"} for i in range(110)],
                     parent_id=question.id)


class TestFoldAndFocus:
    """Wide fan-outs fold, focus draws what a person is looking at, and the figure's width
    follows its lanes (so the README's inches follow from its lane counts)."""

    def test_a_fan_out_of_1_000_answers_draws_seven_lanes_with_a_more_box_between(self, store, thread):
        question, answers = _fan_out(store, thread, 1000)
        ax = threadtree.draw(store, thread.id)
        texts, lines, renderer = _drawn(ax)
        fold = ("more", answers[3])
        assert list(texts) == [question.id, *answers[:3], fold, *answers[-3:]]
        assert texts[fold].get_text() == f"… 994 more\n{answers[3]} … {answers[-4]}"
        assert texts[fold].get_bbox_patch().get_linestyle() == "--"
        assert f"edge-{question.id}->more-{answers[3]}" in lines and len(lines) == 7
        assert len({round(text.get_position()[0]) for text in texts.values()}) == 7
        assert ax.get_title(loc="right") == "1,001 entries, 1,000 branch tips"
        _assert_no_overlaps(ax, texts, renderer, ax.figure.bbox)
        assert ax.figure.get_size_inches()[0] <= 12

    def test_draw_puts_every_box_where_the_plan_says(self, store, thread):
        build_realistic(store, thread.id, seed=5)
        for focus in (None, "live"):
            picture = plan(store.graph(thread.id), focus=focus)
            texts = _texts(threadtree.draw(store, thread.id, focus=focus))
            assert {node: tuple(text.get_position()) for node, text in texts.items()} == {
                box.node: (box.x, box.y) for box in picture.boxes
            }

    def test_the_figure_is_as_wide_as_its_lanes_about_an_inch_and_a_half_each(self, store, thread):
        """Whole tree and live path of one realistic thread: the same width per lane."""
        build_realistic(store, thread.id, seed=2)
        graph = store.graph(thread.id)
        per_lane = []
        for focus in (None, "live"):
            lanes = plan(graph, focus=focus).lanes
            width = threadtree.draw(store, thread.id, focus=focus).figure.get_size_inches()[0]
            per_lane.append((width - 0.3) / lanes)  # 0.15 in of margin at each side
        assert per_lane[0] == pytest.approx(per_lane[1], rel=0.01)
        assert 1.3 < per_lane[0] < 1.7

    def test_the_live_path_of_a_realistic_tree_is_readable_within_ten_inches(self, store, thread):
        build_realistic(store, thread.id, seed=4)  # the widest of seeds 0-9 under focus: 6 lanes
        live = {entry.id for entry in store.path(thread.id)}
        ax = threadtree.draw(store, thread.id, focus="live")
        texts, _, renderer = _drawn(ax)
        _assert_no_overlaps(ax, texts, renderer, ax.figure.bbox)
        assert {text.get_fontsize() for text in texts.values()} == {8.0}  # nothing shrunk
        assert ax.figure.get_size_inches()[0] <= 10
        for node, text in texts.items():
            on_path = node[0] == "collapsed" and node[1] in live if isinstance(node, tuple) else node in live
            assert (to_hex(text.get_bbox_patch().get_edgecolor()) == LIVE) == on_path, node
        assert ax.get_title(loc="right") == "300 entries, 21 branch tips; drawn: the live path"

    def test_focus_on_an_entry_draws_its_subtree_and_says_so(self, store, thread):
        build_realistic(store, thread.id, seed=4)
        top = store.path(thread.id)[30]
        below = {entry.id for entry in store.subtree(top.id)}
        ax = threadtree.draw(store, thread.id, focus=top.id, collapse=None)
        assert set(_texts(ax)) == below
        assert ax.get_title(loc="right").endswith(f"; drawn: entry {top.id} and below")


class TestOutline:
    """A picture too big to read is drawn as an outline (a square a box, no labels) that
    renders in a moment, and says how to draw a readable part."""

    @pytest.mark.parametrize(
        "build, count, boxes",
        [
            pytest.param(_long_branches, 10, 1101, id="over-1000-boxes-at-5-points"),
            pytest.param(_fan_out, 400, 401, id="401-boxes-below-1-point"),
        ],
    )
    def test_too_many_boxes_or_too_small_text_draws_squares_and_edges_without_labels(
        self, store, thread, build, count, boxes
    ):
        build(store, thread, count)
        ax = threadtree.draw(store, thread.id, fold=None, collapse=None)
        texts, _, _ = _drawn(ax)
        assert texts == {} and len(ax.lines) == 0
        (squares,) = [c for c in ax.collections if c.get_gid() == "boxes"]
        (edges,) = [c for c in ax.collections if c.get_gid() == "edges"]
        assert len(squares.get_offsets()) == boxes and len(edges.get_segments()) == boxes - 1
        live = [to_hex(color) == LIVE for color in squares.get_edgecolors()]
        assert sum(live) == len(store.path(thread.id)) and live[0]
        assert tuple(squares.get_offsets()[0]) == (0, 0)
        (key,) = ax.texts
        assert f"{boxes:,} boxes, too many to label" in key.get_text() and "focus='live'" in key.get_text()
        assert max(ax.figure.get_size_inches()) == 40
        ax.figure.savefig(io.BytesIO(), format="png")

    def test_a_fan_out_just_small_enough_keeps_its_labels(self, store, thread):
        _fan_out(store, thread, 120)  # 121 boxes, text about 2.6 points
        texts = _texts(threadtree.draw(store, thread.id, fold=None))
        assert len(texts) == 121 and 1 <= max(text.get_fontsize() for text in texts.values()) < 4


@pytest.mark.parametrize(
    "options, field",
    [
        pytest.param({"collapse": 0}, "collapse", id="collapse-0"),
        pytest.param({"max_label": 0}, "max_label", id="max-label-0"),
        pytest.param({"max_label": True}, "max_label", id="max-label-bool"),
        pytest.param({"fold": 0}, "fold", id="fold-0"),
        pytest.param({"fold": True}, "fold", id="fold-bool"),
        pytest.param({"focus": "dead"}, "focus", id="focus-word"),
        pytest.param({"focus": 1.5}, "focus", id="focus-float"),
        pytest.param({"focus": True}, "focus", id="focus-bool"),
    ],
)
def test_bad_options_raise_invalid_input_naming_the_option_and_make_no_figure(store, thread, options, field):
    store.append(thread.id, "user", "hi")
    with pytest.raises(threadtree.InvalidInput, match=field):
        threadtree.draw(store, thread.id, **options)
    assert plt.get_fignums() == []


def test_an_unknown_thread_raises_not_found_and_makes_no_figure(store):
    with pytest.raises(threadtree.NotFound, match="nope"):
        threadtree.draw(store, "nope")
    assert plt.get_fignums() == []


def test_focus_on_an_entry_of_another_thread_or_none_at_all_raises_and_makes_no_figure(store, thread, other_thread):
    store.append(thread.id, "user", "hi")
    elsewhere = store.append(other_thread.id, "user", "hello")
    with pytest.raises(threadtree.InvalidInput, match=f"focus: entry {elsewhere.id} belongs to thread 'other'"):
        threadtree.draw(store, thread.id, focus=elsewhere.id)
    with pytest.raises(threadtree.NotFound, match="999"):
        threadtree.draw(store, thread.id, focus=999)
    assert plt.get_fignums() == []


# -- matplotlib is optional --


def _python(code, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_without_matplotlib_draw_says_how_to_install_it(db_path, tmp_path):
    code = f"""
import sys
sys.modules["matplotlib"] = None  # as if it were not installed
import threadtree
with threadtree.open({str(db_path)!r}) as store:
    thread = store.create_thread()
    store.append(thread.id, "user", "hi")
    try:
        threadtree.draw(store, thread.id)
    except threadtree.ThreadTreeError as exc:
        print(type(exc).__name__, exc)
"""
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ThreadTreeError ")
    assert "pip install 'threadtree[draw]'" in done.stdout


@pytest.mark.slow
def test_importing_threadtree_does_not_import_matplotlib(tmp_path):
    code = "import sys, threadtree; print(callable(threadtree.draw), 'matplotlib' in sys.modules)"
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


# -- the example notebook --


def test_the_notebook_is_stored_without_outputs():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert any("threadtree.draw(" in cell.source for cell in code)
    assert any('focus="live"' in cell.source for cell in code)


@pytest.mark.slow
def test_the_notebook_runs_headlessly_without_errors(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.output_type == "error"]
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) >= 2, "the drawings did not show"
