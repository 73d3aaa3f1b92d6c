"""Seeing the trees: store.graph (the oracle for the recursive queries), render_tree, and the
Graphviz and Mermaid diagrams with their escaping."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from threadtree import InvalidInput, NotFound
from threadtree.graph import collapse_chains, preview


def missing_tool(why: str) -> None:
    """Skip a check whose tool is missing, saying why; under CI (.ci/run sets THREADTREE_CI,
    and installs the tools) fail instead, so that CI cannot pass by skipping it."""
    if os.environ.get("THREADTREE_CI"):
        pytest.fail(f"{why}; under CI (THREADTREE_CI) this check must run")
    pytest.skip(why)


class TestGraph:
    def test_nodes_edges_and_attributes(self, store, thread, ids):
        graph = store.graph(thread.id)
        assert graph.graph == {"thread_id": "t", "title": "test thread", "current_leaf_id": ids["y"]}
        assert list(graph.nodes) == sorted(ids.values())
        assert list(graph.successors(ids["b"])) == [ids["c"], ids["x"]]  # id order
        a = graph.nodes[ids["a"]]
        assert (a["role"], a["content"], a["preview"], a["depth"], a["leaf"], a["current"]) == ("user", "a", "a", 0, False, True)
        assert isinstance(a["created_at"], float)
        assert {n for n, d in graph.nodes(data=True) if d["current"]} == {ids[k] for k in "abxy"}
        assert {n for n, d in graph.nodes(data=True) if d["leaf"]} == {ids[k] for k in "dery"}
        assert nx.is_branching(graph)

    def test_an_empty_thread_is_an_empty_graph(self, store, thread):
        graph = store.graph(thread.id)
        assert len(graph) == 0 and graph.graph["current_leaf_id"] is None

    def test_an_unknown_thread_is_not_found(self, store):
        with pytest.raises(NotFound, match="'nope'"):
            store.graph("nope")

    def test_it_agrees_with_every_recursive_query(self, store, thread, ids):
        graph = store.graph(thread.id)
        for node in graph:
            ancestors = nx.ancestors(graph, node)
            root = next(n for n in ancestors | {node} if graph.in_degree(n) == 0)
            assert [e.id for e in store.path_to(node)] == nx.shortest_path(graph, root, node)
            assert [e.id for e in store.children(node)] == list(graph.successors(node))
            assert [e.id for e in store.subtree(node)] == sorted(nx.descendants(graph, node) | {node})
        assert [e.id for e in store.leaves(thread.id)] == sorted(n for n in graph if graph.out_degree(n) == 0)

    @pytest.mark.parametrize(
        "content, expected",
        [
            ("hello", "hello"),
            ("\n\n  first line  \nsecond", "first line"),
            ("tab\there\x00nul", "tab here nul"),
            ("x" * 80, "x" * 59 + "…"),
            ("", ""),
            ("   \n  ", ""),
        ],
    )
    def test_previews_are_one_short_line(self, content, expected):
        assert preview(content) == expected


class TestRenderTree:
    def test_one_line_per_entry_with_the_live_path_marked(self, store, thread, ids):
        text = store.render_tree(thread.id)
        labels = [line for line in text.splitlines() if re.search(r"\d+ (user|assistant):", line)]
        assert len(labels) == len(ids)
        marked = {int(m) for m in re.findall(r"● (\d+) ", text)}
        assert marked == {ids[k] for k in "abxy"}
        assert text.index(f"{ids['a']} user: a") < text.index(f"{ids['r']} user: r")  # roots in id order
        assert text.index(f"{ids['c']} user: c") < text.index(f"{ids['x']} assistant: x")

    def test_ascii_only_is_ascii(self, store, thread):
        store.append(thread.id, "user", "naïve café ✓ \u202eRTL")
        text = store.render_tree(thread.id, ascii_only=True)
        assert text.isascii()
        assert "* 1 user: na\\xefve caf\\xe9 \\u2713" in text

    def test_max_depth_stops_early(self, store, thread, ids):
        text = store.render_tree(thread.id, max_depth=2)
        assert "d" not in re.findall(r"\d+ \w+: (\w)", text)
        assert f"{ids['b']} user: b" in text

    def test_an_empty_thread_renders_as_nothing(self, store, thread):
        assert store.render_tree(thread.id) == ""

    def test_a_long_chain_does_not_drift_right(self, store, thread):
        store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(300)])
        lines = store.render_tree(thread.id).splitlines()
        assert max(len(line) for line in lines) < 40

    def test_collapse_folds_long_linear_stretches(self, store, thread):
        chain = store.extend(thread.id, [{"role": "user", "content": f"m{k}"} for k in range(20)])
        store.fork(chain[10].id, "assistant", "branch")
        store.rewind(thread.id, chain[-1].id)
        text = store.render_tree(thread.id, collapse=3)
        assert "… 9 entries: 2 … 10" in text  # 2..10 inside the first stretch
        assert "… 8 entries: 13 … 20" not in text  # 12 is a branch's first entry: stays
        assert "… 7 entries: 13 … 19" in text  # 20 is the current leaf: stays
        for kept in ("1 user: m0", "11 user: m10", "12 user: m11", "20 user: m19", "21 assistant: branch"):
            assert kept in text
        assert text.count("●") == 6  # 1, the two folds, 11, 12, 20

    @pytest.mark.parametrize("kwargs", [{"collapse": 0}, {"collapse": True}, {"max_depth": 0}, {"ascii_only": "yes"}])
    def test_bad_options_are_refused(self, store, thread, ids, kwargs):
        with pytest.raises(InvalidInput):
            store.render_tree(thread.id, **kwargs)


class TestCollapseChains:
    def test_branch_points_first_entries_leaves_and_the_current_leaf_stay(self, store, thread):
        a = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(10)])
        b = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(10)], parent_id=a[4].id)
        store.rewind(thread.id, a[7].id)
        graph = collapse_chains(store.graph(thread.id), 2)
        entries = {n for n in graph if not isinstance(n, tuple)}
        for must in (a[0], a[4], a[5], a[7], a[9], b[0], b[9]):
            assert must.id in entries
        placeholders = {n: d for n, d in graph.nodes(data=True) if isinstance(n, tuple)}
        assert sorted((d["first"], d["last"], d["collapsed"]) for d in placeholders.values()) == [
            (a[1].id, a[3].id, 3), (b[1].id, b[8].id, 8),
        ]
        assert nx.is_branching(graph)
        assert list(graph.successors(a[4].id)) == [a[5].id, b[0].id]

    def test_short_stretches_stay(self, store, thread):
        store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(5)])
        graph = store.graph(thread.id)
        assert nx.utils.graphs_equal(collapse_chains(graph, 3), graph)


ESCAPE_ME = 'He said "hi" \\ then {x} [y] <z> #tag &amp; `code`;\nsecond line'


class TestDot:
    def _parse(self, text):
        import warnings

        import pydot

        with warnings.catch_warnings():  # pydot's grammar uses pyparsing's old names
            warnings.simplefilter("ignore", DeprecationWarning)
            (graph,) = pydot.graph_from_dot_data(text)
        return graph

    def test_it_parses_and_keeps_the_labels(self, store, thread, ids):
        store.append(thread.id, "assistant", ESCAPE_ME)
        text = store.to_dot(thread.id)
        graph = self._parse(text)
        labels = {n.get_name(): n.get_label() for n in graph.get_nodes() if n.get_name().startswith("e")}
        assert len(labels) == len(ids) + 1
        label = labels[f"e{max(ids.values()) + 1}"]
        assert label == '"' + '9 assistant: He said \\"hi\\" \\\\ then {x} [y] <z> #tag &amp; `code`;' + '"'
        assert len(graph.get_edges()) == len(ids) - 2 + 1

    def test_the_live_path_and_the_leaves_stand_out(self, store, thread, ids):
        text = store.to_dot(thread.id)
        assert f'e{ids["a"]} -> e{ids["b"]} [color="#d62728", penwidth=2.5];' in text
        assert f"e{ids['b']} -> e{ids['c']};" in text
        assert re.search(rf'e{ids["d"]} \[[^\]]*peripheries=2', text)

    def test_graphviz_renders_it(self, store, thread, ids, tmp_path):
        if shutil.which("dot") is None:
            missing_tool("Graphviz is not installed (apt-get install graphviz; .ci/run does)")
        store.append(thread.id, "assistant", ESCAPE_ME)
        done = subprocess.run(["dot", "-Tsvg"], input=store.to_dot(thread.id), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


class TestMermaid:
    def test_labels_are_entity_coded(self, store, thread, ids):
        entry = store.append(thread.id, "assistant", ESCAPE_ME)
        text = store.to_mermaid(thread.id)
        line = next(line for line in text.splitlines() if line.strip().startswith(f"e{entry.id}"))
        assert line == (
            f'  e{entry.id}("{entry.id} assistant: He said #quot;hi#quot; \\ then {{x}} [y] '
            '#lt;z#gt; #35;tag #amp;amp; #96;code#96;;")'
        )
        for label in re.findall(r'\["(.*)"\]|\("(.*)"\)', text):
            assert '"' not in "".join(label)

    def test_the_live_path_is_styled(self, store, thread, ids):
        text = store.to_mermaid(thread.id)
        assert f"class {','.join(f'e{ids[k]}' for k in 'abxy')} live" in text
        edges = [line.strip() for line in text.splitlines() if "-->" in line]
        live = re.search(r"linkStyle ([\d,]+) ", text).group(1).split(",")
        assert [edges[int(i)] for i in live] == [
            f"e{ids['a']} --> e{ids['b']}", f"e{ids['b']} --> e{ids['x']}", f"e{ids['x']} --> e{ids['y']}",
        ]


# Mermaid's own parser: the npm packages mermaid and jsdom, run by Node. The tests never
# download them (the suite must pass offline with what the README's install command installed):
# .ci/run installs them into this folder first, and sets THREADTREE_CI so that a parser that is
# missing fails the run there instead of skipping.
MERMAID_PACKAGES = ("mermaid@11", "jsdom@24")
MERMAID_DIR = Path(
    os.environ.get("THREADTREE_MERMAID_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "threadtree-tests", "mermaid")
)


@pytest.fixture(scope="session")
def mermaid_parser():
    """Mermaid's own parser (the npm package, under Node with jsdom), from MERMAID_DIR."""
    missing = (
        "Node.js is not installed" if shutil.which("node") is None
        else None if all((MERMAID_DIR / "node_modules" / name.split("@")[0] / "package.json").is_file()
                         for name in MERMAID_PACKAGES)
        else f"Mermaid's parser is not in {MERMAID_DIR}: "
             f"npm install --prefix {MERMAID_DIR} {' '.join(MERMAID_PACKAGES)} (.ci/run does)"
    )
    if missing:
        missing_tool(missing)
    script = MERMAID_DIR / "threadtree-parse.mjs"  # beside node_modules, where its imports resolve
    script.write_text(
        'import { JSDOM } from "jsdom";\n'
        'const dom = new JSDOM("<!doctype html><html><body></body></html>");\n'
        "globalThis.window = dom.window; globalThis.document = dom.window.document;\n"
        'const { default: mermaid } = await import("mermaid");\n'
        'import { readFileSync } from "fs";\n'
        "try { await mermaid.parse(readFileSync(0, 'utf8')); console.log('ok'); }\n"
        "catch (e) { console.log(e.message); process.exit(1); }\n"
    )

    def parse(text: str) -> subprocess.CompletedProcess:
        return subprocess.run(["node", str(script)], input=text, capture_output=True, text=True,
                              cwd=MERMAID_DIR, timeout=120)

    return parse


@pytest.mark.slow
def test_mermaids_own_parser_accepts_every_label(store, thread, ids, mermaid_parser):
    for content in (ESCAPE_ME, "end", "graph TD", "a --> b", "((x))", "#quot;", "%% comment", "o--o", "x" * 200):
        store.append(thread.id, "assistant", content)
    store.fork(ids["c"], "user", json.dumps({"k": ["v"]}))
    for text in (store.to_mermaid(thread.id), store.to_mermaid(thread.id, collapse=2)):
        done = mermaid_parser(text)
        assert done.returncode == 0, done.stdout + text


@pytest.mark.slow
def test_mermaids_parser_does_refuse_broken_text(mermaid_parser):
    """The test above can fail: a raw quote inside a label is refused."""
    assert mermaid_parser('flowchart TD\n  e1["bad "quote" here"]\n').returncode == 1


def test_without_the_network_the_mermaid_checks_skip_and_under_ci_they_fail(tmp_path):
    """With Node and npm present but nothing to download from, the suite passes with the two
    Mermaid checks skipped, saying why; under CI (THREADTREE_CI) the same run fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("THREADTREE_CI", "CI")}
    env |= {
        "THREADTREE_MERMAID_DIR": str(tmp_path / "no-parser"),
        # Were npm asked, it would find no network and nothing cached.
        "npm_config_offline": "true", "npm_config_cache": str(tmp_path / "npm-cache"),
    }
    # On SQLite alone: the PostgreSQL run of the first check would be a third skip (and with
    # no server, a skip for want of one).
    only = "mermaids and not postgres"
    run = [sys.executable, "-m", "pytest", __file__, "-k", only, "-q", "-rs", "-p", "no:cacheprovider"]
    offline = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "2 skipped" in offline.stdout and "Mermaid's parser is not in" in offline.stdout, offline.stdout
    in_ci = subprocess.run(run, capture_output=True, text=True, env=env | {"THREADTREE_CI": "1"}, timeout=300)
    assert in_ci.returncode == 1, in_ci.stdout + in_ci.stderr
    assert "2 errors" in in_ci.stdout and "this check must run" in in_ci.stdout, in_ci.stdout


class TestForestDrawing:
    """render_tree and tree_lines draw a healthy tree (a forest) with their own walk instead of
    networkx's generate_network_text (issue 20: 5x faster on long chains). The lines must be
    the ones networkx writes, for every shape and option; a damaged graph still goes to
    networkx."""

    @staticmethod
    def networkx_text(graph, *, max_depth=None, ascii_only=False, collapse=None):
        from threadtree.graph import _label, roots

        if collapse is not None:
            graph = collapse_chains(graph, collapse)
        labelled = nx.DiGraph()
        labelled.add_nodes_from(
            (node, {"label": _label(node, data, ascii_only=ascii_only)}) for node, data in graph.nodes(data=True)
        )
        labelled.add_edges_from(graph.edges)
        lines = []
        nx.write_network_text(labelled, path=lines.append, sources=roots(graph), max_depth=max_depth,
                              ascii_only=ascii_only, end="", vertical_chains=True)
        return "".join(line + "\n" for line in lines)

    @pytest.fixture
    def forest(self, store):
        """Three roots; chains, a branch point with three children, forks inside chains, a
        hidden entry, and the live path on a side branch."""
        import random

        rng = random.Random(20)
        store.create_thread(thread_id="f")
        ids = [e.id for e in store.extend("f", [{"role": "user", "content": f"m{k}"} for k in range(12)])]
        for k in range(25):
            parent = rng.choice(ids)
            ids += [e.id for e in store.extend("f", [{"role": "assistant", "content": f"b{k}.{j}\nmore"}
                                                     for j in range(rng.randint(1, 6))], parent_id=parent)]
        store.append("f", "system", "hidden note", hidden=True, parent_id=ids[3])
        store.extend("f", [{"role": "user", "content": "second root"}, {"role": "user", "content": "é ✓"}],
                     parent_id=None)
        store.append("f", "user", "third root", parent_id=None)
        store.rewind("f", ids[30])
        return store.graph("f")

    @pytest.mark.parametrize("max_depth", [None, 1, 2, 3, 7])
    @pytest.mark.parametrize("ascii_only", [False, True])
    @pytest.mark.parametrize("collapse", [None, 2])
    def test_render_tree_writes_what_networkx_writes(self, forest, max_depth, ascii_only, collapse):
        from threadtree.render import render_tree

        expected = self.networkx_text(forest, max_depth=max_depth, ascii_only=ascii_only, collapse=collapse)
        assert render_tree(forest, max_depth=max_depth, ascii_only=ascii_only, collapse=collapse) == expected
        # tree_lines (width, spacers) shares the walk: with width=None and spacers it agrees too
        fitted = render_tree(forest, max_depth=max_depth, ascii_only=ascii_only, collapse=collapse, spacers=False)
        assert fitted.splitlines() == [
            line for line in expected.splitlines() if line.strip(" │╎╽|:!")
        ]

    def test_a_single_chain_and_a_single_entry(self, store):
        from threadtree.render import render_tree

        store.create_thread(thread_id="c")
        store.append("c", "user", "alone")
        assert render_tree(store.graph("c")) == self.networkx_text(store.graph("c"))
        store.extend("c", [{"role": "user", "content": str(k)} for k in range(50)])
        for max_depth in (None, 1, 2):
            assert render_tree(store.graph("c"), max_depth=max_depth) == self.networkx_text(
                store.graph("c"), max_depth=max_depth)

    def test_a_graph_with_a_cycle_or_two_parents_is_still_drawn_by_networkx(self, store):
        from threadtree.render import render_tree

        store.create_thread(thread_id="d")
        a, b, c = (e.id for e in store.extend("d", [{"role": "user", "content": x} for x in "abc"]))
        graph = store.graph("d")
        graph.add_edge(c, b)  # b now has two parents; with a -> b -> c -> b, a cycle too
        assert render_tree(graph) == self.networkx_text(graph)
        graph.remove_edge(a, b)  # b and c: a cycle no root reaches
        assert render_tree(graph) == self.networkx_text(graph)
