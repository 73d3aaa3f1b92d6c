"""threadtree.widget.ThreadWidget: the viewer in a notebook (issue 19), read-only.

The example notebook is executed in a real kernel and the widget's state is read from what
the kernel synced (nbclient keeps each widget's last state in the notebook's metadata, as a
front end would receive it); the moves are also driven from Python directly, including the
page's two ways in: setting ``selected`` (a click) and a ``{"move": ...}`` message (a key).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import threadtree
from threadtree import InvalidInput, NotFound

pytest.importorskip("anywidget")

from threadtree.serve import data  # noqa: E402
from threadtree.widget import ThreadWidget  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "widget.ipynb"
SCRIPT = ROOT / "threadtree" / "widget" / "widget.js"
LANES = ROOT / "threadtree" / "serve" / "static" / "lanes.js"


def _trip(store):
    """The notebook's thread: 1 question; 2 Lisbon (3 cost, 4 safe); 5 Kyoto (6 book it, the leaf)."""
    t = store.create_thread("Trip planning", thread_id="trip")
    question = store.append(t.id, "user", "Where should I go in May?")
    lisbon = store.append(t.id, "assistant", "Lisbon")
    cost = store.append(t.id, "user", "What will it cost?")
    safe = store.fork(lisbon.id, "user", "Is it safe?")
    kyoto = store.fork(question.id, "assistant", "Kyoto")
    book = store.append(t.id, "user", "Book it!")
    return {"question": question.id, "lisbon": lisbon.id, "cost": cost.id, "safe": safe.id,
            "kyoto": kyoto.id, "book": book.id}


@pytest.fixture
def trip(store):
    return _trip(store)


@pytest.fixture
def widget(store, trip):
    w = ThreadWidget(store, "trip")
    yield w
    w.close()


# -- the executed notebook --


def test_the_widget_notebook_is_stored_without_outputs():
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert not notebook.metadata.get("widgets")


@pytest.mark.slow
def test_the_widget_notebook_runs_and_its_widget_holds_the_state_the_moves_left(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(shown) == 1, "the widget was not displayed"
    models = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    model = models[shown[0]]
    assert (model["model_module"], model["model_name"]) == ("anywidget", "AnyModel")
    state = model["state"]
    # The script the front end runs is the one shipped in the package (the tree's drawing the
    # viewer's page uses too, then the widget's own), loading nothing else.
    assert state["_esm"] == LANES.read_text(encoding="utf-8") + SCRIPT.read_text(encoding="utf-8")
    assert "threadtree-widget" in state["_css"]
    # The notebook's moves: parent, previous sibling, child, next sibling (-> 4, "Is it safe?"),
    # then select Kyoto, child (back to 6, the child last visited) and child again at a tip.
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "4 [1, 2, 4] {'position': 2, 'count': 2, 'previous': 3, 'next': None}" in printed
    assert "6 'a tip: no child'" in printed
    assert state["selected"] == 6
    assert state["message"] == "a tip: no child"
    assert [e["id"] for e in state["path"]["entries"]] == [1, 5, 6]
    assert state["path"]["current_leaf_id"] == 6
    assert state["detail"]["entry"]["content"] == "Book it!"
    assert state["thread"]["thread"]["title"] == "Trip planning"
    assert {b["id"] for b in state["tree"]["boxes"] if b["kind"] == "entry"} == {1, 2, 3, 4, 5, 6}
    assert {b["id"] for b in state["tree"]["boxes"] if b["live"]} == {1, 5, 6}


# -- the state, driven from Python --


def test_it_starts_at_the_current_leaf_with_the_live_path_and_the_viewers_json(store, trip, widget):
    assert widget.thread_id == "trip"
    assert widget.selected == trip["book"]
    assert widget.path_ids == [trip["question"], trip["kyoto"], trip["book"]]
    # The same JSON the web viewer serves, not a copy of its shape.
    assert widget.path == data.path(store, "trip")
    assert widget.tree == data.tree(store, "trip", around=trip["book"])
    assert widget.detail == data.entry(store, trip["book"])
    assert widget.thread == data.thread(store, "trip")
    assert widget.message == ""
    assert repr(widget) == f"ThreadWidget(thread='trip', selected={trip['book']})"


def test_parent_child_and_siblings_walk_the_branches(trip, widget):
    widget.parent()
    assert widget.selected == trip["kyoto"]
    assert widget.path_ids == [trip["question"], trip["kyoto"], trip["book"]]  # still on the reader's path
    widget.sibling(-1)
    assert widget.selected == trip["lisbon"]
    assert widget.path_ids == [trip["question"], trip["lisbon"]]  # the path down to it
    assert widget.detail["branch"] == {"position": 1, "count": 2, "previous": None, "next": trip["kyoto"]}
    widget.sibling(-1)
    assert widget.selected == trip["lisbon"] and widget.message == "no earlier sibling"
    widget.child()
    assert widget.selected == trip["cost"] and widget.message == ""
    widget.sibling(+1)
    assert widget.selected == trip["safe"]
    widget.sibling(1)
    assert widget.selected == trip["safe"] and widget.message == "no later sibling"
    widget.child()
    assert widget.selected == trip["safe"] and widget.message == "a tip: no child"
    widget.parent()
    widget.parent()
    assert widget.selected == trip["question"]
    widget.parent()
    assert widget.selected == trip["question"] and widget.message == "at a root: no parent"
    # "child" goes back down the way it came up: Lisbon, then "Is it safe?", not the first child.
    widget.child()
    widget.child()
    assert widget.selected == trip["safe"]


def test_sibling_takes_several_steps_and_refuses_zero(trip, widget):
    widget.select(trip["lisbon"])
    widget.sibling(+5)
    assert widget.selected == trip["kyoto"] and widget.message == "no later sibling"
    for bad in (0, 1.0, True, "1"):
        with pytest.raises(InvalidInput, match="step"):
            widget.sibling(bad)


def test_next_branch_goes_down_the_readers_path(store, trip, widget):
    widget.select(trip["question"])
    widget.next_branch()
    assert widget.selected == trip["kyoto"]
    widget.next_branch()
    assert widget.selected == trip["kyoto"] and widget.message == "no branch point below on this path"


def test_a_bad_selection_raises_and_leaves_the_state_as_it_was(store, trip, widget):
    other = store.create_thread("other", thread_id="other")
    stranger = store.append(other.id, "user", "not in trip")
    before = (widget.selected, widget.path, widget.detail, widget.tree)
    with pytest.raises(InvalidInput, match="belongs to thread 'other'"):
        widget.select(stranger.id)
    with pytest.raises(NotFound):
        widget.select(10_000)
    assert (widget.selected, widget.path, widget.detail, widget.tree) == before


def test_a_click_sets_selected_and_the_rest_follows(trip, widget):
    widget.selected = trip["cost"]  # what the page's click does (model.set + save_changes)
    assert widget.path_ids == [trip["question"], trip["lisbon"], trip["cost"]]
    assert widget.detail["entry"]["id"] == trip["cost"]
    widget.selected = 10_000  # a page can send anything: the selection goes back
    assert widget.selected == trip["cost"]
    assert widget.detail["entry"]["id"] == trip["cost"]
    assert "10000" in widget.message


def test_the_pages_keys_arrive_as_move_messages(trip, widget):
    widget._handle_custom_msg({"move": "parent"}, [])
    assert widget.selected == trip["kyoto"]
    widget._handle_custom_msg({"move": "previous"}, [])
    assert widget.selected == trip["lisbon"]
    widget._handle_custom_msg({"move": "child"}, [])
    widget._handle_custom_msg({"move": "next"}, [])
    assert widget.selected == trip["safe"]
    for junk in ({"move": "delete"}, {"move": None}, ["parent"], "parent", {}):
        widget._handle_custom_msg(junk, [])
    assert widget.selected == trip["safe"]


def test_refresh_shows_another_writers_entries_and_keeps_the_selection(db_path, store, trip, widget):
    widget.select(trip["lisbon"])
    with threadtree.open(db_path) as writer:
        extra = writer.fork(trip["lisbon"], "user", "And in June?")
    assert widget.thread["thread"]["entry_count"] == 6
    widget._handle_custom_msg({"move": "refresh"}, [])
    assert widget.thread["thread"]["entry_count"] == 7
    assert widget.selected == trip["lisbon"]
    assert widget.detail["child_count"] == 3
    assert extra.id in {b["id"] for b in widget.tree["boxes"]}


def test_a_file_given_by_path_is_opened_read_only_and_left_unchanged(tmp_path):
    db = tmp_path / "trip.db"
    with threadtree.open(db) as store:
        trip = _trip(store)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    w = ThreadWidget(db, "trip")
    w.parent()
    w.sibling(-1)
    w.child()
    w.selected = trip["safe"]
    w._handle_custom_msg({"move": "refresh"}, [])
    assert w.selected == trip["safe"]
    w.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # A WAL reader may leave an index (-shm) beside the file, never a page written (-wal).
    assert all(p.stat().st_size == 0 for p in tmp_path.glob("trip.db-wal"))


def test_an_unknown_thread_raises_not_found(tmp_path, store):
    db = tmp_path / "t.db"
    with threadtree.open(db) as other:
        other.create_thread("x", thread_id="x")
    with pytest.raises(NotFound, match="nope"):
        ThreadWidget(db, "nope")
    with pytest.raises(NotFound, match="nope"):
        ThreadWidget(store, "nope")


def test_an_empty_thread_has_no_selection(store):
    store.create_thread("empty", thread_id="empty")
    w = ThreadWidget(store, "empty")
    assert w.selected is None and w.path_ids == [] and w.detail == {}
    w.parent()
    assert w.message == "at a root: no parent"
    w.close()


def test_a_big_thread_is_drawn_as_a_window_that_follows_the_selection(store, monkeypatch):
    monkeypatch.setattr(data, "WHOLE_TREE", 10)
    t = store.create_thread("long", thread_id="long")
    first = store.extend(t.id, [{"role": "user", "content": f"m{i}"} for i in range(30)])
    side = store.fork(first[2].id, "assistant", "a side branch")
    store.rewind(t.id, first[-1].id)
    w = ThreadWidget(store, "long", collapse=None)
    assert w.tree["whole"] is False
    assert side.id in {b["id"] for b in w.tree["boxes"]}  # a sibling at a branch point of the path
    w.select(side.id)
    assert w.path_ids[-1] == side.id
    assert side.id in {b["id"] for b in w.tree["boxes"] if b["kind"] == "entry"}
    w.close()


def test_hostile_text_is_synced_as_it_is_and_the_script_only_writes_text(store):
    hostile = "<script>alert(1)</script> <a href='javascript:x'>&amp;</a> \u202eevil"
    t = store.create_thread(hostile, thread_id="h")
    store.append(t.id, "user", hostile)
    w = ThreadWidget(store, "h")
    assert w.detail["entry"]["content"] == hostile and w.path["entries"][0]["content"] == hostile
    assert w.thread["thread"]["title"] == hostile
    w.close()
    script = SCRIPT.read_text(encoding="utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", script)
    assert not re.search(r"\bimport\b[^;]*from|import\(|https?://(?!www\.w3\.org/2000/svg)", script), (
        "the script loads nothing: no CDN, works offline"
    )


def test_import_threadtree_widget_does_not_import_the_web_server():
    import subprocess
    import sys

    code = "import json, sys, threadtree.widget; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout))
    assert "anywidget" in modules
    assert not {m for m in modules if m.startswith(("starlette", "uvicorn", "threadtree.serve.app"))}
