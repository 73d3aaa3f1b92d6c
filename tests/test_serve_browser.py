"""``threadtree serve`` in a real browser: the system's headless Chromium, driven by
Playwright for Python (never a downloaded browser), clicking and typing as a person would.

Without Chromium or Playwright these tests skip, saying why; under CI (THREADTREE_CI=1, set
by .ci/run, which installs Debian's chromium) they fail instead.
``THREADTREE_SCREENSHOT=docs/serve.png`` makes the screenshot test write the README's picture.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import threadtree

from .serve_server import launched_browser, running

pytestmark = pytest.mark.slow

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 820})
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    yield opened
    context.close()


@pytest.fixture
def trip(db_path):
    """q -> lisbon -> food -> dish (one branch); q -> kyoto -> crowds (live); q -> oslo."""
    with threadtree.open(db_path) as store:
        store.create_thread("Trip planning", thread_id="trip")
        q = store.append("trip", "user", "Where should I go in May?")
        lisbon = store.append("trip", "assistant", "Lisbon: grilled sardines and trams.")
        food = store.append("trip", "user", "What should I eat there?")
        dish = store.append("trip", "assistant", "Pastéis de nata.", usage={"output_tokens": 4})
        kyoto = store.fork(q.id, "assistant", "Kyoto, if you like gardens.", item={"role": "assistant", "note": "k"})
        oslo = store.fork(q.id, "assistant", "Oslo, for the fjords.")
        store.checkout(kyoto.id)
        crowds = store.append("trip", "user", "Is it crowded in May?")
        store.create_thread("Other chat", thread_id="other")
        store.append("other", "user", "Nothing to see here.")
        return {name: e.id for name, e in locals().items() if hasattr(e, "id") and name != "store"}


def open_thread(page, url, title="Trip planning"):
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    page.get_by_text(title, exact=True).click()
    page.wait_for_selector("#reader .entry.selected")


def selected(page, expected: int) -> int:
    """The entry selected once the keys pressed so far are carried out (waiting up to 5 s for
    ``expected``; whatever is selected then is returned, for the assertion to show)."""
    from playwright.sync_api import TimeoutError as Timeout

    try:
        page.wait_for_selector(f'#reader .entry.selected[data-id="{expected}"]', timeout=5000)
        page.wait_for_selector(f'#detail[data-entry="{expected}"]', timeout=5000)
    except Timeout:
        pass
    return int(page.get_attribute("#reader .entry.selected", "data-id"))


def test_open_a_thread_and_walk_it_with_the_keys(page, db_path, trip):
    with running(db_path) as url:
        open_thread(page, url)
        reader = page.locator("#reader .entry")
        assert reader.count() == 3 and selected(page, trip["crowds"]) == trip["crowds"]  # the live path, at its leaf
        assert "2/3" in page.locator(f'#reader .entry[data-id="{trip["kyoto"]}"] .branch').inner_text()
        page.keyboard.press("k")
        assert selected(page, trip["kyoto"]) == trip["kyoto"]
        page.keyboard.press("ArrowUp")
        assert selected(page, trip["q"]) == trip["q"]
        page.keyboard.press("j")  # "child" comes back down the way it went up
        assert selected(page, trip["kyoto"]) == trip["kyoto"]
        page.keyboard.press("l")  # next sibling
        assert selected(page, trip["oslo"]) == trip["oslo"]
        page.keyboard.press("h")
        page.keyboard.press("h")
        assert selected(page, trip["lisbon"]) == trip["lisbon"]
        page.keyboard.press("j")
        page.keyboard.press("j")
        assert selected(page, trip["dish"]) == trip["dish"]
        assert "output_tokens" in page.locator("#detail").inner_text()  # its usage, in the panel
        page.keyboard.press("k")
        page.keyboard.press("k")
        page.keyboard.press("k")
        assert selected(page, trip["q"]) == trip["q"]
        page.keyboard.press("n")  # the next branch point on the path shown
        assert selected(page, trip["lisbon"]) == trip["lisbon"]
        page.keyboard.press("?")
        help_text = page.locator("#help").inner_text()
        assert "parent" in help_text and "next branch point" in help_text
        assert page.errors == []


def test_the_tree_is_drawn_and_a_click_on_a_box_opens_that_entry(page, db_path, trip):
    with running(db_path) as url:
        open_thread(page, url)
        boxes = page.locator("#tree svg g.box.entry")
        assert boxes.count() == 7
        assert page.locator("#tree svg g.box.live").count() == 3
        page.locator(f'#tree g.box[data-id="{trip["dish"]}"]').click()
        assert selected(page, trip["dish"]) == trip["dish"]
        assert "Pastéis de nata." in page.locator("#reader").inner_text()


def test_a_branch_closes_with_x_and_a_double_click_opens_it(page, db_path, trip):
    with running(db_path) as url:
        open_thread(page, url)
        page.locator(f'#tree g.box[data-id="{trip["lisbon"]}"]').click()
        assert selected(page, trip["lisbon"]) == trip["lisbon"]
        page.keyboard.press("x")
        closed = page.locator(f'#tree g.box.closed[data-id="{trip["lisbon"]}"]')
        closed.wait_for()
        assert closed.locator("text").text_content().startswith("[+2]")  # food and dish are folded into it
        assert page.locator("#tree svg g.box.entry").count() == 5
        assert page.locator(f'#tree g.box[data-id="{trip["dish"]}"]').count() == 0
        closed.dblclick()
        page.locator(f'#tree g.box[data-id="{trip["dish"]}"]').wait_for()
        assert page.locator("#tree svg g.box.entry").count() == 7
        assert page.locator("#tree g.box.closed").count() == 0
        assert page.errors == []


def test_search_every_branch_and_jump_to_the_hit(page, db_path, trip):
    with running(db_path) as url:
        page.goto(url)
        page.wait_for_selector("body[data-ready]")
        page.keyboard.press("/")
        page.keyboard.type("sardines")
        page.keyboard.press("Enter")
        hit = page.locator("#results .hit").first
        hit.wait_for()
        assert hit.locator("mark").inner_text() == "sardines"
        page.keyboard.press("Enter")  # opens the hit in its thread, on its branch
        page.wait_for_selector("#results", state="hidden")
        assert selected(page, trip["lisbon"]) == trip["lisbon"]
        assert page.locator("#thread-title").inner_text() == "Trip planning"


def test_compare_two_leaves_side_by_side(page, db_path, trip):
    with running(db_path) as url:
        open_thread(page, url)
        page.keyboard.press("m")  # mark the live leaf
        page.locator(f'#tree g.box[data-id="{trip["dish"]}"]').click()
        assert selected(page, trip["dish"]) == trip["dish"]
        page.keyboard.press("c")
        page.wait_for_selector("#compare .side-a")
        assert f"common ancestor [{trip['q']}]" in page.locator("#compare h3").first.inner_text()
        a = page.locator("#compare .side-a").inner_text()
        b = page.locator("#compare .side-b").inner_text()
        assert "Kyoto" in a and "crowded" in a and "Lisbon" not in a
        assert "Lisbon" in b and "Pastéis" in b and "Kyoto" not in b


def test_with_write_a_switch_moves_the_live_leaf_and_a_stale_page_gets_a_conflict(page, db_path, trip):
    with running(db_path, "--write") as url:
        open_thread(page, url)
        assert page.locator("#mode").inner_text() == "read-write"
        page.locator(f'#tree g.box[data-id="{trip["lisbon"]}"]').click()
        page.wait_for_selector(f'#detail[data-entry="{trip["lisbon"]}"]')
        page.locator("#switch-button").click()
        page.wait_for_selector("#status:has-text('switched')")
        with threadtree.open(db_path, readonly=True) as store:
            assert store.get_thread("trip").current_leaf_id == trip["dish"]  # where that branch was left
        page.route("**/api/version*", lambda route: route.abort())  # the page stops noticing changes: stale
        with threadtree.open(db_path) as other:
            other.switch(trip["oslo"])
        page.locator(f'#tree g.box[data-id="{trip["kyoto"]}"]').click()
        page.wait_for_selector(f'#detail[data-entry="{trip["kyoto"]}"]')
        page.locator("#switch-button").click()
        page.wait_for_selector(".banner.conflict")
        assert "Conflict" in page.locator("#banner").inner_text()
        with threadtree.open(db_path, readonly=True) as store:
            assert store.get_thread("trip").current_leaf_id == trip["oslo"]  # the other writer's move stands


def test_an_open_page_shows_another_process_s_write(page, db_path, trip):
    with running(db_path) as url:
        open_thread(page, url)
        with threadtree.open(db_path) as other:
            other.append("trip", "assistant", "Yes: go mid-May.")
        # The page polls once a second; 2 s is the promise, the timeout leaves room for a loaded machine.
        page.locator("#reader").get_by_text("Yes: go mid-May.").wait_for(timeout=10_000)
        page.wait_for_selector("#status:has-text('another process')")


HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    '<a href="javascript:window.__pwned = 3">click me</a> [x](javascript:alert(1))',
    "&lt;b&gt; &amp; &#60;script&#62;",
    "\u202eRTL override\u202c and \u200fmarks\u200e",
    "x" * 200_000,
]


def test_hostile_text_stays_text(page, db_path):
    with threadtree.open(db_path) as store:
        store.create_thread('<img src=x onerror="window.__pwned = 9">', thread_id="bad")
        for text in HOSTILE:
            store.append("bad", "user", text, item={"html": text[:100]})
        store.set_label(store.get_thread("bad").current_leaf_id, "<script>alert(1)</script>")
    with running(db_path) as url:
        open_thread(page, url, title='<img src=x onerror="window.__pwned = 9">')
        page.keyboard.press("/")
        page.keyboard.type("script")
        page.keyboard.press("Enter")
        page.locator("#results .hit").first.wait_for()
        page.keyboard.press("Escape")
        for _ in range(len(HOSTILE)):
            page.keyboard.press("k")
        texts = page.locator("#reader .content").all_inner_texts()
        assert texts[:5] == HOSTILE[:5]  # shown exactly as written
        assert len(texts[5]) == 200_000
        assert page.evaluate("window.__pwned") is None
        scripts = page.eval_on_selector_all("script", "nodes => nodes.map(n => n.getAttribute('src'))")
        assert scripts == ["/static/lanes.js", "/static/app.js"]  # the page's own, nothing from the data
        assert page.locator("body img, body a, #reader b").count() == 0
        assert page.locator("#thread-list").get_by_text('<img src=x onerror="window.__pwned = 9">').count() == 1
        assert page.locator("#reader .label").inner_text() == "#<script>alert(1)</script>"
        width = page.evaluate("document.querySelector('#reader-pane').scrollWidth - document.querySelector('#reader-pane').clientWidth")
        assert width <= 1  # a 200,000-character line wraps instead of widening the page
        assert page.errors == []


def test_screenshot(page, db_path, trip, tmp_path):
    """The README's picture: THREADTREE_SCREENSHOT=docs/serve.png writes it there."""
    target = Path(os.environ.get("THREADTREE_SCREENSHOT") or tmp_path / "serve.png")
    with running(db_path) as url:
        open_thread(page, url)
        page.keyboard.press("k")
        selected(page, trip["kyoto"])
        page.screenshot(path=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
