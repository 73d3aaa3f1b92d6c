"""``threadtree serve`` over HTTP: a real server process (uvicorn on a free port) answering
real requests; the JSON it gives, the rules it keeps (read-only by default, a strict
Content-Security-Policy, loopback host names only, writes only with the page's token and a
compare-and-set on the leaf the page showed, an access token beyond loopback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import threadtree
from threadtree.serve import data
from threadtree.serve.app import CSP

from .helpers import logical_dump
from .serve_server import request, running

pytestmark = pytest.mark.slow

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("uvicorn", reason="the serve extra (uvicorn) is not installed")


@pytest.fixture
def trip(db_path):
    """A question, two answers (the second live), a label, usage and a tool call."""
    with threadtree.open(db_path) as store:
        store.create_thread("Trip planning", thread_id="trip")
        q = store.append("trip", "user", "Where should I go in May?")
        lisbon = store.append("trip", "assistant", "Lisbon: grilled sardines and trams.", usage={"output_tokens": 9})
        kyoto = store.fork(q.id, "assistant", "Kyoto, if you like gardens.", item={"role": "assistant", "n": 1})
        store.set_label(kyoto.id, "good")
        store.create_tool_call("trip", "call-1", "weather", {"city": "Kyoto"}, entry_id=kyoto.id)
        return {"q": q.id, "lisbon": lisbon.id, "kyoto": kyoto.id}


def test_the_page_and_every_answer_carry_the_security_headers(db_path, trip):
    with running(db_path) as url:
        for path in ("", "static/app.js", "static/lanes.js", "api/threads", "api/entry/999"):
            status, headers, _ = request(url + path)
            assert status in (200, 404)
            assert headers["content-security-policy"] == CSP
            assert headers["x-content-type-options"] == "nosniff"
        status, headers, page = request(url)
        assert "text/html" in headers["content-type"] and '<script src="/static/app.js"' in page
        assert page.index('<script src="/static/lanes.js"') < page.index('<script src="/static/app.js"')
        assert "<script>" not in page  # no inline script: the CSP would refuse it anyway


def test_the_json_answers_show_a_thread_its_tree_an_entry_search_and_compare(db_path, trip):
    with running(db_path) as url:
        _, _, listing = request(url + "api/threads")
        assert [(t["id"], t["entry_count"], t["leaf_count"]) for t in listing["threads"]] == [("trip", 3, 2)]
        _, _, path = request(url + "api/thread/trip/path")
        assert [e["id"] for e in path["entries"]] == [trip["q"], trip["kyoto"]]
        assert path["entries"][1]["branch"] == {"position": 2, "count": 2, "previous": trip["lisbon"], "next": None}
        assert path["entries"][1]["labels"] == ["good"]
        _, _, tree = request(url + "api/thread/trip/tree")
        assert tree["whole"] and {b["id"] for b in tree["boxes"]} == set(trip.values())
        assert {(e["from"], e["to"], e["live"]) for e in tree["edges"]} == {
            (str(trip["q"]), str(trip["lisbon"]), False), (str(trip["q"]), str(trip["kyoto"]), True)}
        _, _, entry = request(url + f"api/entry/{trip['kyoto']}")
        assert entry["entry"]["item"] == {"role": "assistant", "n": 1}
        assert entry["labels"] == ["good"] and entry["branch"]["position"] == 2
        assert [c["name"] for c in entry["tool_calls"]] == ["weather"]
        _, _, lisbon = request(url + f"api/entry/{trip['lisbon']}")
        assert lisbon["entry"]["usage"] == {"output_tokens": 9}
        _, _, found = request(url + "api/search?q=sardines")
        assert [h["entry"]["id"] for h in found["hits"]] == [trip["lisbon"]]
        assert "«sardines»" in found["hits"][0]["snippet"] and found["hits"][0]["on_live_path"] is False
        _, _, diff = request(url + f"api/compare?a={trip['lisbon']}&b={trip['kyoto']}")
        assert diff["ancestor"]["id"] == trip["q"]
        assert [e["id"] for e in diff["a"]] == [trip["lisbon"]] and [e["id"] for e in diff["b"]] == [trip["kyoto"]]


@pytest.mark.parametrize(
    "path, status, kind",
    [("api/thread/nope/path", 404, "NotFound"), ("api/entry/x", 400, "InvalidInput"),
     ("api/search?q=", 400, "InvalidInput"), ("api/compare?a=1", 400, "InvalidInput")],
    ids=["unknown-thread", "bad-entry-id", "empty-query", "compare-one"],
)
def test_bad_requests_get_the_threadtree_error_by_name(db_path, trip, path, status, kind):
    with running(db_path) as url:
        got, _, body = request(url + path)
        assert (got, body["error"]) == (status, kind)
        assert body["message"]


def test_read_only_by_default_nothing_in_the_page_can_write(db_path, trip):
    before = logical_dump(db_path)
    with running(db_path) as url:
        _, _, config = request(url + "api/config")
        assert config == {"write": False, "token": None}
        status, _, body = request(url + f"api/entry/{trip['lisbon']}/switch", body={"expected_leaf_id": trip["kyoto"]})
        assert (status, body["error"]) == (403, "ReadOnly")
    assert logical_dump(db_path) == before


def test_only_loopback_host_names_are_served(db_path, trip):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: it gets nothing."""
    with running(db_path) as url:
        status, _, body = request(url + "api/threads", headers={"host": "evil.example:80"})
        assert status == 400 and "evil.example" in body


class TestWrite:
    def test_a_write_needs_the_pages_token(self, db_path, trip):
        before = logical_dump(db_path)
        with running(db_path, "--write") as url:
            for token in (None, "guess"):
                headers = {} if token is None else {"x-threadtree-token": token}
                status, _, body = request(url + f"api/entry/{trip['lisbon']}/switch",
                                          body={"expected_leaf_id": trip["kyoto"]}, headers=headers)
                assert (status, body["error"]) == (403, "Forbidden")
        assert logical_dump(db_path) == before

    def test_switch_label_fork_and_append_with_compare_and_set(self, db_path, trip):
        with running(db_path, "--write") as url:
            _, _, config = request(url + "api/config")
            token = {"x-threadtree-token": config["token"]}
            status, _, moved = request(url + f"api/entry/{trip['lisbon']}/switch",
                                       body={"expected_leaf_id": trip["kyoto"]}, headers=token)
            assert (status, moved["leaf_id"]) == (200, trip["lisbon"])
            status, _, _ = request(url + f"api/entry/{trip['q']}/label", body={"name": "start"}, headers=token)
            assert status == 200
            _, _, forked = request(url + f"api/entry/{trip['q']}/fork", headers=token,
                                   body={"role": "assistant", "content": "Oslo.", "expected_leaf_id": trip["lisbon"]})
            _, _, appended = request(url + "api/thread/trip/append", headers=token,
                                     body={"role": "user", "content": "Why Oslo?", "expected_leaf_id": forked["leaf_id"]})
        with threadtree.open(db_path, readonly=True) as store:
            assert [e.content for e in store.path("trip")] == ["Where should I go in May?", "Oslo.", "Why Oslo?"]
            assert store.get_label("trip", "start").entry_id == trip["q"]
            assert store.get_thread("trip").current_leaf_id == appended["leaf_id"]

    @pytest.mark.parametrize("call", ["switch", "fork", "append"])
    def test_a_stale_page_gets_a_conflict_and_nothing_is_written(self, db_path, trip, call):
        with running(db_path, "--write") as url:
            _, _, config = request(url + "api/config")
            with threadtree.open(db_path) as other:  # another process's write, after the page was drawn
                other.append("trip", "user", "Meanwhile, elsewhere.")
            before = logical_dump(db_path)
            path, body = {
                "switch": (f"api/entry/{trip['lisbon']}/switch", {}),
                "fork": (f"api/entry/{trip['q']}/fork", {"role": "user", "content": "x"}),
                "append": ("api/thread/trip/append", {"role": "user", "content": "x"}),
            }[call]
            status, _, answer = request(url + path, body={**body, "expected_leaf_id": trip["kyoto"]},
                                        headers={"x-threadtree-token": config["token"]})
            assert (status, answer["error"]) == (409, "Conflict")
            assert f"expected_leaf_id {trip['kyoto']}" in answer["message"]
        assert logical_dump(db_path) == before

    def test_a_write_without_the_leaf_the_page_showed_is_refused(self, db_path, trip):
        with running(db_path, "--write") as url:
            _, _, config = request(url + "api/config")
            status, _, answer = request(url + f"api/entry/{trip['lisbon']}/switch", body={},
                                        headers={"x-threadtree-token": config["token"]})
            assert (status, answer["error"]) == (400, "InvalidInput") and "expected_leaf_id" in answer["message"]


def test_beyond_loopback_every_request_needs_the_printed_access_token(db_path, trip):
    with running(db_path, "--host", "0.0.0.0") as url:
        assert "?token=" in url
        base, token = url.split("?token=")
        local = base.replace("0.0.0.0", "127.0.0.1")
        status, _, _ = request(local + "api/threads")
        assert status == 401
        status, headers, _ = request(f"{local}?token={token}")
        assert status == 200 and "SameSite=Strict" in headers["set-cookie"] and "HttpOnly" in headers["set-cookie"]
        cookie = headers["set-cookie"].split(";")[0]
        status, _, listing = request(local + "api/threads", headers={"cookie": cookie})
        assert status == 200 and listing["threads"][0]["id"] == "trip"


def test_the_version_changes_when_another_process_writes(db_path, trip):
    with running(db_path) as url:
        _, _, first = request(url + "api/version?thread=trip")
        subprocess.run([sys.executable, "-m", "threadtree", "--db", str(db_path), "append", "trip", "user", "more"],
                       check=True, capture_output=True, timeout=60)
        _, _, second = request(url + "api/version?thread=trip")
        assert first != second


def test_a_bad_port_is_a_usage_error(db_path, trip):
    done = subprocess.run([sys.executable, "-m", "threadtree", "--db", str(db_path), "serve", "--port", "70000"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "0-65535" in done.stderr


def test_a_big_thread_is_drawn_as_a_window_around_the_entry_looked_at(store):
    """Past WHOLE_TREE entries the tree is the path above the entry, the siblings at its
    branch points and its children: never the whole thread."""
    thread = store.create_thread("big")
    chain = store.extend(thread.id, [{"role": "user", "content": f"m{k}"} for k in range(data.WHOLE_TREE + 50)])
    others = [store.fork(chain[-10].parent_id, "assistant", f"other {k}").id for k in range(10)]
    store.checkout(chain[-1].id)
    tree = data.tree(store, thread.id)
    assert not tree["whole"] and tree["above"] > 0
    ids = {b["id"] for b in tree["boxes"] if b["kind"] == "entry"}
    assert chain[-1].id in ids and chain[-10].id in ids
    assert {others[0], others[-1]} <= ids  # the first and last siblings, the middle folded
    assert any(b["kind"] == "fold" for b in tree["boxes"])
    assert len(tree["boxes"]) < 60
    path = data.path(store, thread.id)
    assert len(path["entries"]) == data.PAGE and path["more_above"]


def test_a_closed_entry_is_drawn_without_what_lies_below_it_and_gives_its_lanes_back(store):
    """``closed=``: the subtree below an entry leaves the layout, the entry's box counts it."""
    thread = store.create_thread("t")
    q = store.append(thread.id, "user", "q")
    a = store.append(thread.id, "assistant", "a")
    for k in range(3):
        store.fork(a.id, "user", f"follow-up {k}")
    b = store.fork(q.id, "assistant", "b")
    whole = data.tree(store, thread.id, collapse=None)
    assert whole["lanes"] == 4 and {x["closed"] for x in whole["boxes"]} == {0}
    shut = data.tree(store, thread.id, collapse=None, closed=[a.id, 999])  # an unknown id changes nothing
    assert {x["id"] for x in shut["boxes"]} == {q.id, a.id, b.id}
    assert {x["id"]: x["closed"] for x in shut["boxes"]} == {q.id: 0, a.id: 3, b.id: 0}
    assert shut["lanes"] == 2
    both = data.tree(store, thread.id, collapse=None, closed=[q.id, a.id])  # the upper one counts all
    assert [(x["id"], x["closed"]) for x in both["boxes"]] == [(q.id, 5)]


def test_closed_must_be_whole_numbers(db_path, trip):
    with running(db_path) as url:
        status, _, answer = request(url + "api/thread/trip/tree?closed=1,x")
        assert (status, answer["error"]) == (400, "InvalidInput") and "closed must be whole numbers" in answer["message"]
        status, _, tree = request(url + f"api/thread/trip/tree?closed={trip['q']}")
        assert status == 200 and [(b["id"], b["closed"]) for b in tree["boxes"]] == [(trip["q"], 2)]
