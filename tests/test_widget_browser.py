"""The widget's front end (threadtree/widget/widget.js) in a real browser: the system's headless
Chromium through Playwright, as tests/test_serve_browser.py runs the viewer.

No notebook front end is at hand, so the page stands in for one: a small model with the
anywidget calls (``get``, ``set``, ``save_changes``, ``send``, ``on``, ``off``) whose
``save_changes`` and ``send`` go to a real :class:`ThreadWidget` in this process (through a
function Playwright exposes) and bring its new state back, as Jupyter's comm would. Clicks
and keys are a person's; the state checked is the Python widget's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import threadtree

from .serve_server import launched_browser

pytestmark = pytest.mark.slow
pytest.importorskip("anywidget")

from threadtree.widget import ThreadWidget  # noqa: E402

WIDGET = Path(threadtree.__file__).parent / "widget"
SYNCED = ("thread", "selected", "path", "tree", "detail", "message")

_HOST = """async ([esm, css, state]) => {
  const listeners = new Map();
  let pending = {};
  const apply = (fresh) => {
    const changed = Object.keys(fresh).filter((k) => JSON.stringify(state[k]) !== JSON.stringify(fresh[k]));
    Object.assign(state, fresh);
    const called = new Set();
    for (const k of changed) for (const f of listeners.get("change:" + k) || []) {
      if (!called.has(f)) { called.add(f); f(); }
    }
  };
  const model = {
    get: (k) => state[k],
    set: (k, v) => { pending[k] = v; },
    save_changes: async () => { const sent = pending; pending = {}; apply(JSON.parse(await window.toPython(JSON.stringify({ set: sent })))); },
    send: async (content) => apply(JSON.parse(await window.toPython(JSON.stringify({ msg: content })))),
    on: (events, f) => { for (const e of events.split(" ")) { if (!listeners.has(e)) listeners.set(e, []); listeners.get(e).push(f); } },
    off: (events, f) => { for (const e of events.split(" ")) listeners.set(e, (listeners.get(e) || []).filter((g) => g !== f)); },
  };
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const el = document.createElement("div");
  document.body.append(el);
  const mod = await import(URL.createObjectURL(new Blob([esm], { type: "text/javascript" })));
  mod.default.render({ model, el });
}"""


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as launched:
        yield launched


def _state(widget):
    return {name: getattr(widget, name) for name in SYNCED}


def _show(browser, widget):
    """A page showing ``widget`` through the stand-in model; its errors and dialogs are kept."""
    page = browser.new_page(viewport={"width": 1300, "height": 800})
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: (page.errors.append("dialog: " + dialog.message), dialog.dismiss()))

    def to_python(text):
        asked = json.loads(text)
        if "set" in asked:
            for name, value in asked["set"].items():
                setattr(widget, name, value)
        else:
            widget._handle_custom_msg(asked["msg"], [])
        return json.dumps(_state(widget))

    page.expose_function("toPython", to_python)
    page.set_content("<!doctype html><html><body></body></html>")
    esm = ThreadWidget._esm  # serve/static/lanes.js, then widget.js
    css = (WIDGET / "widget.css").read_text(encoding="utf-8")
    page.evaluate(_HOST, [esm, css, _state(widget)])
    return page


@pytest.fixture
def trip(store):
    from .test_widget import _trip

    return _trip(store)


def _reader(page):
    return [int(x) for x in page.eval_on_selector_all(".tt-entry", "nodes => nodes.map(n => n.dataset.id)")]


def _selected_box(page):
    return int(page.get_attribute(".tt-box.entry.selected", "data-id"))


def test_the_tree_and_reader_show_and_a_click_selects(browser, store, trip):
    widget = ThreadWidget(store, "trip")
    page = _show(browser, widget)
    try:
        assert page.locator(".tt-box.entry").count() == 6
        assert page.locator(".tt-box.live").count() == 3
        assert _reader(page) == [trip["question"], trip["kyoto"], trip["book"]]
        assert _selected_box(page) == trip["book"]
        assert page.text_content(".tt-title") == "Trip planning"
        page.click(f'.tt-box.entry[data-id="{trip["cost"]}"]')
        page.wait_for_selector(f'.tt-box.entry.selected[data-id="{trip["cost"]}"]')
        assert widget.selected == trip["cost"]
        assert _reader(page) == [trip["question"], trip["lisbon"], trip["cost"]]
        assert page.get_attribute(".tt-entry.selected", "data-id") == str(trip["cost"])
        page.click(f'.tt-entry[data-id="{trip["question"]}"]')  # a click in the reader
        page.wait_for_selector(f'.tt-box.entry.selected[data-id="{trip["question"]}"]')
        assert widget.selected == trip["question"]
        assert page.errors == []
    finally:
        page.close()
        widget.close()


def test_the_keys_and_buttons_move_through_python(browser, store, trip):
    widget = ThreadWidget(store, "trip")
    page = _show(browser, widget)
    try:
        page.focus(".threadtree-widget")
        steps = [("ArrowUp", "kyoto"), ("h", "lisbon"), ("ArrowDown", "cost"), ("ArrowRight", "safe")]
        for key, name in steps:
            page.keyboard.press(key)
            page.wait_for_selector(f'.tt-box.entry.selected[data-id="{trip[name]}"]')
            assert widget.selected == trip[name]
        page.keyboard.press("j")
        page.wait_for_function("() => document.querySelector('.tt-message').textContent !== ''")
        assert page.text_content(".tt-message") == "a tip: no child"
        page.click("button[title^='parent']")
        page.wait_for_selector(f'.tt-box.entry.selected[data-id="{trip["lisbon"]}"]')
        assert page.text_content(".tt-message") == ""
        assert "1 of 2" in page.text_content(".tt-detail")
        assert page.errors == []
    finally:
        page.close()
        widget.close()


def test_hostile_text_stays_text(browser, store):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> <a href='javascript:alert(3)'>&amp;</a> \u202eevil"
    t = store.create_thread(hostile, thread_id="h")
    store.append(t.id, "user", hostile)
    store.append(t.id, "assistant", "x" * 200_000)
    widget = ThreadWidget(store, "h")
    page = _show(browser, widget)
    try:
        contents = page.eval_on_selector_all(".tt-content", "nodes => nodes.map(n => n.textContent)")
        assert contents == [hostile, "x" * 200_000]
        assert page.text_content(".tt-title") == hostile
        assert page.locator(".threadtree-widget script, .threadtree-widget img, .threadtree-widget a").count() == 0
        page.click(".tt-entry")
        page.wait_for_selector(".tt-box.entry.selected[data-id='1']")
        assert page.errors == []
    finally:
        page.close()
        widget.close()
