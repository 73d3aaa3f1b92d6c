"""The import engine, threadtree's own jsonl dump and restore, and the import/export commands.

The readers of each format have their own test files (test_formats_*.py); here are the rules
every import follows, whatever the format: repairs are reported, each conversation is all or
nothing, a second import changes nothing, a newer export adds only what is new.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import apsw
import orjson
import pytest

import threadtree
from threadtree import InvalidInput, ThreadTreeError
from threadtree._db.copy import DERIVED_COLUMNS
from threadtree.cli import main
from threadtree.formats import Conversation, Node, Skipped, _engine, import_file

from .helpers import BRANCHED, build, logical_dump, on_a_terminal


def conv(nodes, current=None, *, cid="c1", title="T", **kw):
    return Conversation("test", cid, title, [Node(*n) if isinstance(n, tuple) else n for n in nodes], current, **kw)


def N(sid, parent, content=None, role="user", item=None, hidden=False, created_at=None):
    return Node(sid, parent, role, sid if content is None else content, item, hidden, created_at)


def tree(store, thread_id):
    """{source_id: (parent source_id, role, content, hidden)} and the live leaf's source_id."""
    entries = store.entries(thread_id)
    by_id = {e.id: e for e in entries}
    shape = {e.source_id: (by_id[e.parent_id].source_id if e.parent_id else None, e.role, e.content, e.hidden)
             for e in entries}
    leaf = store.get_thread(thread_id).current_leaf_id
    return shape, by_id[leaf].source_id if leaf else None


# -- planning: repairs, each reported --


def test_a_missing_parent_makes_a_root_and_says_so():
    planned = _engine.plan(conv([N("a", None), N("b", "gone")], "b"))
    assert planned.parents == {"a": None, "b": None}
    assert planned.notes == ["node b: parent gone is not in the conversation; made it a root"]


def test_a_cycle_is_broken_at_the_node_listed_first():
    planned = _engine.plan(conv([N("r", None), N("x", "z"), N("y", "x"), N("z", "y"), N("w", "w")]))
    assert planned.parents == {"r": None, "x": None, "y": "x", "z": "y", "w": None}
    assert sorted(planned.notes) == [
        "nodes w form a cycle; made w a root", "nodes x -> z -> y form a cycle; made x a root",
    ]


def test_a_second_node_with_the_same_id_is_dropped():
    planned = _engine.plan(conv([N("a", None, "first"), N("a", None, "second")]))
    assert [n.content for n in planned.order] == ["first"]
    assert planned.notes == ["node a: a second node with this id; kept the first"]


def test_children_follow_the_source_order_not_the_list_order_of_parents():
    planned = _engine.plan(conv([N("c2", "p"), N("c1", "p"), N("p", None), N("g", "c2")]))
    assert [n.source_id for n in planned.order] == ["p", "c2", "g", "c1"]  # parents first, depth first


def test_the_live_leaf_falls_back_to_the_newest_leaf():
    nodes = [N("r", None, created_at=1), N("a", "r", created_at=5), N("b", "r", created_at=3), N("c", "r")]
    assert _engine.plan(conv(nodes, None)).current == "a"
    planned = _engine.plan(conv(nodes, "missing"))
    assert planned.current == "a"
    assert planned.notes == ["the live leaf missing is not in the conversation; took the newest leaf a"]
    assert _engine.plan(conv(nodes, "r")).current == "r"  # a live leaf with children is kept
    assert _engine.plan(conv([N("x", None), N("y", None)])).current == "y"  # no times: the last listed


@pytest.mark.parametrize("node, match", [
    (N("a", None, item={"x": {1, 2}}), r"node a: item cannot be stored as JSON: Type is not JSON serializable: set"),
    (N("a", None, item={1: "int key"}), r"node a: item cannot be stored as JSON: Dict key must be str"),
    (N("a", None, role=""), "node a: role must be a non-empty string"),
    (N("a", None, content="\ud800"), "node a: content is not valid Unicode"),
    (N("a", None, created_at=math.inf), "node a: created_at must be Unix seconds"),
    (N("", None), "node at index 0: source_id must be a non-empty string"),
])
def test_a_node_that_cannot_be_stored_skips_its_conversation_and_names_the_node(store, node, match):
    outcome = _engine.write_conversation(store, conv([node]))
    assert outcome.status == "skipped"
    assert re.search(match, outcome.reason), outcome.reason
    assert store.list_threads() == []


# -- writing --


def test_an_import_makes_a_thread_that_remembers_its_source(store):
    outcome = _engine.write_conversation(store, conv(
        [N("r", None, "q", created_at=100), N("a", "r", "answer", role="assistant", item={"raw": 1}, created_at=101),
         N("s", "r", "sys", role="system", hidden=True, created_at=102)],
        "a", metadata={"header": {"k": 1}}, created_at=99,
    ))
    assert (outcome.status, outcome.added) == ("imported", 3)
    thread = store.get_thread(outcome.thread_id)
    assert (thread.source_format, thread.source_id, thread.title) == ("test", "c1", "T")
    assert thread.metadata == {"source": {"header": {"k": 1}, "leaf": "a"}}
    assert thread.created_at == 99 and thread.updated_at == 102  # the source's own times
    path = store.path(thread.id)
    assert [(e.source_id, e.created_at, e.item) for e in path] == [("r", 100, None), ("a", 101, {"raw": 1})]
    assert store.find_entry(thread.id, "s").hidden
    assert store.check() == []


def test_the_same_conversation_again_writes_nothing(store):
    c = conv([N("r", None), N("a", "r")], "a")
    first = _engine.write_conversation(store, c)
    before = logical_dump(store.filename)
    again = _engine.write_conversation(store, c)
    assert (again.status, again.thread_id, again.added) == ("unchanged", first.thread_id, 0)
    assert logical_dump(store.filename) == before


def test_a_newer_export_adds_only_the_new_nodes_and_moves_the_leaf(store):
    tid = _engine.write_conversation(store, conv([N("r", None), N("a", "r")], "a")).thread_id
    ids = {e.source_id: e.id for e in store.entries(tid)}
    newer = conv([N("r", None), N("a", "r"), N("b", "r", "edit"), N("c", "b")], "c")
    outcome = _engine.write_conversation(store, newer)
    assert (outcome.status, outcome.added, outcome.changed) == ("updated", 2, 0)
    assert {e.source_id: e.id for e in store.entries(tid)}.items() >= ids.items()  # old entries untouched
    assert [e.source_id for e in store.path(tid)] == ["r", "b", "c"]


def test_a_local_rewind_survives_a_reimport_of_an_unchanged_source_but_not_a_moved_leaf(store):
    c = conv([N("r", None), N("a", "r"), N("b", "r")], "a")
    tid = _engine.write_conversation(store, c).thread_id
    store.rewind(tid, store.find_entry(tid, "b").id)
    store.append(tid, "user", "my own continuation")
    _engine.write_conversation(store, c)
    assert store.path(tid)[-1].content == "my own continuation"
    outcome = _engine.write_conversation(store, conv(c.nodes, "b"))  # the source moved its leaf
    assert outcome.status == "updated"
    assert store.path(tid)[-1].source_id == "b"
    assert len(store.entries(tid)) == 4  # the local branch is kept


def test_a_node_the_source_changed_takes_the_new_text(store):
    tid = _engine.write_conversation(store, conv([N("r", None), N("a", "r", "partial", item={"s": "in_progress"})], "a")).thread_id
    outcome = _engine.write_conversation(store, conv([N("r", None), N("a", "r", "complete", item={"s": "done"}, hidden=True)], "a"))
    assert (outcome.status, outcome.added, outcome.changed) == ("updated", 0, 1)
    entry = store.find_entry(tid, "a")
    assert (entry.content, entry.item, entry.hidden) == ("complete", {"s": "done"}, True)


def test_a_node_that_moved_skips_the_conversation_and_writes_none_of_it(store):
    tid = _engine.write_conversation(store, conv([N("r", None), N("a", "r")], "a")).thread_id
    before = logical_dump(store.filename)
    moved = conv([N("r", None), N("n", "r"), N("a", "n"), N("z", "a")], "z")  # n is written before a fails
    outcome = _engine.write_conversation(store, moved)
    assert outcome.status == "skipped"
    assert "node a has parent n in the file" in outcome.reason and "entries never move" in outcome.reason
    assert logical_dump(store.filename) == before
    assert [e.source_id for e in store.entries(tid)] == ["r", "a"]


def test_a_new_title_from_the_source_replaces_the_old_and_user_metadata_stays(store):
    tid = _engine.write_conversation(store, conv([N("r", None)], "r", title="Old")).thread_id
    store.update_thread(tid, metadata={**store.get_thread(tid).metadata, "mine": True})
    _engine.write_conversation(store, conv([N("r", None)], "r", title="New", metadata={"header": {"title": "New"}}))
    thread = store.get_thread(tid)
    assert thread.title == "New"
    assert thread.metadata["mine"] is True and thread.metadata["source"]["header"] == {"title": "New"}


def test_one_broken_conversation_does_not_stop_the_others(store):
    read = [conv([N("a", None)], cid="1"), Skipped("conversation 2", "no mapping"),
            conv([N("a", None, item={"x": {math.inf}})], cid="3"), conv([N("b", None)], cid="4")]
    outcomes = _engine.outcomes_of(store, read, _engine.write_conversation)
    assert [o.status for o in outcomes] == ["imported", "skipped", "skipped", "imported"]
    assert outcomes[1].reason == "no mapping"
    assert len(store.list_threads()) == 2


def test_a_file_that_fails_half_way_keeps_what_was_imported_and_says_so(store):
    def read():
        yield conv([N("a", None)], cid="1")
        raise OSError(5, "Input/output error")

    outcomes = _engine.outcomes_of(store, read(), _engine.write_conversation)
    assert [(o.where, o.status) for o in outcomes] == [("", "imported"), ("file", "skipped")]
    assert outcomes[1].reason == "reading stopped: Input/output error"
    assert len(store.list_threads()) == 1


def test_small_conversations_share_a_commit_and_one_that_must_be_skipped_is_skipped_alone(store):
    """Consecutive conversations are written in one transaction; when one of them fails half-way
    (a node that moved), the batch is undone and written again one by one: the others are
    imported, the failed one wrote nothing, and no note is reported twice."""
    tid = _engine.write_conversation(store, conv([N("r", None), N("a", "r")], "a", cid="moved")).thread_id
    read = [
        conv([N("x", None)], cid="1", notes=["read note"], thread_id=tid),  # writing it adds a note
        conv([N("r", None), N("n", "r"), N("a", "n"), N("z", "a")], "z", cid="moved"),  # n written before a fails
        conv([N("y", None), N("y2", "gone")], cid="2"),
    ]
    outcomes = _engine.outcomes_of(store, read, _engine.write_conversation)
    assert [o.status for o in outcomes] == ["imported", "skipped", "imported"]
    assert "entries never move" in outcomes[1].reason
    assert outcomes[0].notes == [
        "read note", f"a thread {tid!r} exists already (not imported from here); the import made a new one"
    ]
    assert outcomes[2].notes == ["node y2: parent gone is not in the conversation; made it a root"]
    assert [e.source_id for e in store.entries(tid)] == ["r", "a"]
    assert len(store.list_threads()) == 3


def test_a_conversation_given_twice_in_one_file_ends_where_the_second_says(store):
    """The second is checked against what the first wrote (its digest, its leaf), not against
    the thread as it was before the file: importing the file again moves the leaf back to
    where the file's last word puts it."""
    first = conv([N("r", None), N("a", "r")], "a", cid="same", digest="d1")
    second = conv([N("r", None), N("a", "r"), N("b", "r")], "b", cid="same", digest="d2")
    for _ in range(2):
        outcomes = _engine.outcomes_of(store, [first, second], _engine.write_conversation)
        (thread,) = store.list_threads()
        assert store.get_thread(thread.id).metadata["source"]["digest"] == "d2"
        assert tree(store, thread.id)[1] == "b", [o.status for o in outcomes]


def test_an_empty_conversation_is_an_empty_thread(store):
    outcome = _engine.write_conversation(store, conv([], None))
    assert outcome.status == "imported"
    assert store.get_thread(outcome.thread_id).current_leaf_id is None


def test_a_read_only_store_refuses_an_import_with_a_clear_error(db_path, tmp_path):
    threadtree.open(db_path).close()
    dump = tmp_path / "d.jsonl"
    dump.write_bytes(b'{"type":"thread","id":"x","title":null,"metadata":{},"created_at":1,"updated_at":1,"current_leaf_id":null}\n')
    with threadtree.open(db_path, readonly=True) as store, pytest.raises(ThreadTreeError, match="read-only"):
        import_file(store, dump)


def test_an_unknown_file_is_one_short_line_that_says_where_the_formats_are_listed(store, tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}')
    with pytest.raises(InvalidInput) as caught:
        import_file(store, odd)
    message = str(caught.value).replace(str(odd), "odd.json")
    assert message == (
        "cannot tell the format of 'odd.json': name it with --format (format=); "
        "`threadtree import --help` lists the formats"
    )
    with pytest.raises(InvalidInput, match="unknown format 'nope'; known formats: jsonl, chatgpt, claude-code, "):
        import_file(store, odd, format="nope")
    with pytest.raises(InvalidInput, match="is not a file"):
        import_file(store, tmp_path / "missing.json")


# -- jsonl: threadtree's own dump --


def dump_all(db, out):
    """`threadtree export --format jsonl` of the whole file, as a real process would write it."""
    with threadtree.open(db, readonly=True) as store:
        lines = [line for t in reversed(store.list_threads(limit=None, include_archived=True))
                 for line in threadtree.formats.export_thread(store, t.id, "jsonl")]
    out.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return out


def rows(db):
    """The tree of every thread, row for row. Not its leaf history, which a dump does not
    carry (an import records moves of its own): so neither the columns where SQLite keeps an
    append's or a fork's move (migration 0011)."""
    dump = logical_dump(db)
    conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    columns = [row[1] for row in conn.execute("pragma table_info(entries)")]
    conn.close()
    keep = [k for k, name in enumerate(columns) if ("entries", name) not in DERIVED_COLUMNS]
    dump["entries"] = [tuple(row[k] for k in keep) for row in dump["entries"]]
    return {k: dump[k] for k in ("threads", "entries", "leaves")}


def _rich_file(db):
    with threadtree.open(db) as store:
        store.create_thread("branched", thread_id="t", metadata={"k": [1, "ü"]})
        build(store, "t", BRANCHED)
        store.create_thread(None, thread_id="quotes ' \" %_")
        store.append("quotes ' \" %_", "system", "sys\x00tem", hidden=True, source_id="s-1", item={"n": 1.5})
        store.archive_thread("quotes ' \" %_")
        store.create_thread("empty", thread_id="empty")
        _engine.write_conversation(store, conv([N("r", None), N("a", "r")], "a"))


def test_a_dump_restored_into_an_empty_file_gives_identical_threads_ids_and_all(tmp_path):
    _rich_file(tmp_path / "a.db")
    dump = dump_all(tmp_path / "a.db", tmp_path / "all.jsonl")
    with threadtree.open(tmp_path / "b.db") as store:
        report = import_file(store, dump)
        assert report.format == "jsonl"
        assert [o.status for o in report.outcomes] == ["imported"] * 4
        assert store.check() == []
    assert rows(tmp_path / "b.db") == rows(tmp_path / "a.db")
    with threadtree.open(tmp_path / "b.db") as store:
        assert [o.status for o in import_file(store, dump).outcomes] == ["unchanged"] * 4
    assert rows(tmp_path / "b.db") == rows(tmp_path / "a.db")


def test_a_restore_where_the_ids_are_taken_numbers_entries_anew_in_the_same_shape(tmp_path):
    _rich_file(tmp_path / "a.db")
    dump = dump_all(tmp_path / "a.db", tmp_path / "all.jsonl")
    with threadtree.open(tmp_path / "b.db") as store:
        store.create_thread(thread_id="mine")
        store.extend("mine", [{"role": "user", "content": str(i)} for i in range(3)])
        outcome = import_file(store, dump).outcomes[0]
        assert outcome.notes == ["8 entry ids were taken in this file; numbered them anew"]
        with threadtree.open(tmp_path / "a.db") as original:
            assert _shape(store, "t") == _shape(original, "t")
            assert [e.content for e in store.path("t")] == [e.content for e in original.path("t")]
        assert import_file(store, dump).outcomes[0].status == "unchanged"


def _shape(store, tid):
    entries = store.entries(tid)
    index = {e.id: i for i, e in enumerate(entries)}
    return [(index.get(e.parent_id), e.role, e.content, e.hidden) for e in entries]


def test_a_newer_dump_adds_only_what_is_new_and_a_diverged_thread_is_skipped(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with threadtree.open(a) as store:
        store.create_thread("x", thread_id="t")
        store.append("t", "user", "one")
    old = dump_all(a, tmp_path / "old.jsonl")
    with threadtree.open(b) as store:
        import_file(store, old)
    with threadtree.open(a) as store:
        store.append("t", "assistant", "two")
        store.update_thread("t", title="renamed")
    newer = dump_all(a, tmp_path / "new.jsonl")
    with threadtree.open(b) as store:
        outcome = import_file(store, newer).outcomes[0]
        assert (outcome.status, outcome.added) == ("updated", 1)
    assert rows(b) == rows(a)
    with threadtree.open(b) as store:
        store.append("t", "user", "local")
        before = logical_dump(b)
        outcome = import_file(store, newer).outcomes[0]
        assert outcome.status == "skipped" and "has 3 entries, more than the 2 of the dump" in outcome.reason
    assert logical_dump(b) == before


def test_a_damaged_dump_line_skips_its_thread_with_line_and_column(store, tmp_path):
    good = '{"type":"thread","id":"ok","title":null,"metadata":{},"created_at":1,"updated_at":1,"current_leaf_id":null}'
    bad = '{"type":"thread","id":"bad","title":null,"metadata":{},"created_at":1,"updated_at":1,"current_leaf_id":null}'
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([bad, '{"type":"entry", "id": 1,, }', good]) + "\n")
    report = import_file(store, path)
    assert [(o.where, o.status) for o in report.outcomes] == [("thread 'bad' (line 1)", "skipped"), ("thread 'ok' (line 3)", "imported")]
    assert report.outcomes[0].reason.startswith("line 2, column 26: malformed JSON")


def test_a_dump_with_a_source_id_twice_skips_its_thread_and_imports_the_rest(store, tmp_path):
    """Two entries of one thread with one source_id cannot both be stored: the thread is
    skipped, naming both, instead of the whole import failing at the insert."""
    thread = '{"type":"thread","id":"%s","title":null,"metadata":{},"created_at":1,"updated_at":1,"current_leaf_id":null}'
    entry = ('{"type":"entry","id":%d,"thread_id":"%s","parent_id":null,"role":"user","content":"x",'
             '"created_at":1,"source_id":"k"}')
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([thread % "twice", entry % (1, "twice"), entry % (2, "twice"), thread % "ok"]) + "\n")
    before = logical_dump(store.filename)
    report = import_file(store, path)
    assert [(o.where, o.status) for o in report.outcomes] == [("thread 'twice' (line 1)", "skipped"), ("thread 'ok' (line 4)", "imported")]
    assert report.outcomes[0].reason == "entry 2: source_id 'k' is also the source_id of entry 1"
    assert [t.id for t in store.list_threads()] == ["ok"] and logical_dump(store.filename) != before


def test_an_entry_line_of_another_thread_or_before_any_thread_is_refused(store, tmp_path):
    path = tmp_path / "d.jsonl"
    entry = '{"type":"entry","id":1,"thread_id":"zz","parent_id":null,"role":"user","content":"x","created_at":1}'
    path.write_text(entry + "\n")
    outcome = import_file(store, path, format="jsonl").outcomes[0]
    assert (outcome.where, outcome.reason) == ("line 1", "an entry line before any thread line")


# -- the commands --


def test_import_and_export_on_the_command_line(tmp_path, capsys):
    _rich_file(tmp_path / "a.db")
    code = main(["--db", str(tmp_path / "a.db"), "export", "--format", "jsonl"])
    dump = tmp_path / "all.jsonl"
    dump.write_text(capsys.readouterr().out)
    assert code == 0
    assert main(["--db", str(tmp_path / "b.db"), "import", str(dump)]) == 0
    out = capsys.readouterr().out
    assert "imported   thread 't' (line 1) -> thread t (+8 entries)" in out
    assert out.rstrip().endswith("4 imported, 0 updated, 0 unchanged, 0 skipped; 11 entries added")
    assert rows(tmp_path / "b.db") == rows(tmp_path / "a.db")
    assert main(["--db", str(tmp_path / "b.db"), "import", str(dump), "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert {o["status"] for o in report["outcomes"]} == {"unchanged"}


def test_import_exits_1_when_something_was_skipped_and_says_why(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    path.write_text('{"type":"thread","id":"x","title":null,"metadata":[],"created_at":1,"updated_at":1,"current_leaf_id":null}\n')
    assert main(["--db", str(tmp_path / "b.db"), "import", str(path)]) == 1
    assert "skipped    thread 'x' (line 1): metadata must be a dict" in capsys.readouterr().out


def _run(*args, **kwargs):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "threadtree", *args], capture_output=True, text=True, timeout=60,
                          **kwargs)


def test_import_of_an_unknown_file_is_one_short_line_and_help_lists_the_formats(tmp_path):
    odd = tmp_path / "odd.txt"
    odd.write_text("hello")
    done = _run("--db", str(tmp_path / "b.db"), "import", str(odd), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"threadtree: error: cannot tell the format of {str(odd)!r}: name it with --format (format=); "
        "`threadtree import --help` lists the formats\n"
    )
    assert len(done.stderr.replace(str(odd), "odd.txt")) < 150
    helped = _run("import", "--help")
    assert helped.returncode == 0
    listed = helped.stdout.split("formats:\n", 1)[1].splitlines()
    assert [line.split(None, 1) for line in listed] == [[m.NAME, m.DESCRIPTION] for m in threadtree.formats.readers()]


def test_a_forced_wrong_format_is_refused_on_the_command_line_and_writes_nothing(tmp_path):
    webui = Path(__file__).parent / "data" / "openwebui" / "openwebui-importer__webui-json.json"
    db = tmp_path / "a.db"
    threadtree.open(db).close()
    before = logical_dump(db)
    done = _run("--db", str(db), "import", str(webui), "--format", "librechat")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"threadtree: error: {str(webui)!r} is not a librechat file (LibreChat conversation export "
        "(JSON with conversationId and messages)); it looks like openwebui\n"
    )
    assert logical_dump(db) == before


def test_show_leaves_hidden_entries_out_unless_all(tmp_path, capsys):
    db = tmp_path / "a.db"
    with threadtree.open(db) as store:
        store.create_thread(thread_id="t")
        store.append("t", "system", "secret prompt", hidden=True)
        store.append("t", "user", "visible")
    assert main(["--db", str(db), "show", "t"]) == 0
    assert "secret prompt" not in capsys.readouterr().out
    assert main(["--db", str(db), "show", "t", "--all"]) == 0
    out = capsys.readouterr().out
    assert "system (hidden)" in out and "secret prompt" in out


def test_exports_to_model_apis_keep_the_live_path_and_the_system_prompt(tmp_path, capsys):
    db = tmp_path / "a.db"
    with threadtree.open(db) as store:
        store.create_thread(thread_id="t")
        store.append("t", "system", "Be brief.", hidden=True)
        q = store.append("t", "user", "q1")
        store.append("t", "tool", "plumbing", hidden=True)
        store.append("t", "assistant", "")
        store.append("t", "tool", "42")
        store.append("t", "user", "q2")
        store.fork(q.id, "assistant", "abandoned")
        store.rewind("t", store.entries("t")[-2].id)
    assert main(["--db", str(db), "export", "t", "--format", "openai"]) == 0
    assert orjson.loads(capsys.readouterr().out) == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "q1"},
        {"role": "user", "content": "42"}, {"role": "user", "content": "q2"},
    ]
    assert main(["--db", str(db), "export", "t", "--format", "anthropic"]) == 0
    assert orjson.loads(capsys.readouterr().out) == {
        "system": "Be brief.",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "q1"}, {"type": "text", "text": "42"}, {"type": "text", "text": "q2"}]}],
    }


def test_export_needs_a_thread_for_single_thread_formats(tmp_path, capsys):
    threadtree.open(tmp_path / "a.db").close()
    assert main(["--db", str(tmp_path / "a.db"), "export", "--format", "openai"]) == 1
    assert "--format openai exports one thread: name it" in capsys.readouterr().err


def test_a_real_process_imports_and_a_second_import_leaves_the_file_alone(tmp_path):
    import subprocess
    import sys

    _rich_file(tmp_path / "a.db")
    dump = dump_all(tmp_path / "a.db", tmp_path / "all.jsonl")
    cmd = [sys.executable, "-m", "threadtree", "--db", str(tmp_path / "b.db"), "import", str(dump)]
    assert subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    watcher = apsw.Connection(str(tmp_path / "b.db"))
    version = watcher.pragma("data_version")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "4 unchanged" in done.stdout
    assert watcher.pragma("data_version") == version  # no commit at all


# -- a file threadtree exported, imported again --

DATA = Path(__file__).parent / "data"


def _stamp(db: Path) -> tuple[bytes, int]:
    """The file's bytes and modification time: what 'writes nothing' means on disk."""
    return db.read_bytes(), db.stat().st_mtime_ns


@pytest.mark.parametrize("fmt", ["chatgpt", "openwebui", "librechat"])
def test_a_file_threadtree_exported_comes_back_to_its_own_thread_and_writes_nothing(tmp_path, fmt):
    """Re-importing an export used to make a second thread of every thread that had not come
    from that format (its entries have no source id in that format)."""
    db = tmp_path / "a.db"
    with threadtree.open(db) as store:
        store.create_thread("made here", thread_id="t")
        build(store, "t", BRANCHED)
        import_file(store, DATA / "claude-code" / "ccl__real_rewind_fork__03eb5929.jsonl")
        import_file(store, DATA / "chatgpt" / "librechat__chatgpt-tree.json")
        ids = [t.id for t in store.list_threads(limit=None)]
    for tid in ids:
        exported = _run("--db", str(db), "export", tid, "--format", fmt)
        assert exported.returncode == 0, exported.stderr
        path = tmp_path / f"{tid}.{fmt}.json"
        path.write_text(exported.stdout, encoding="utf-8")
        before, stamp = logical_dump(db), _stamp(db)
        done = _run("--db", str(db), "import", str(path), "--format", fmt)
        assert done.returncode == 0, done.stderr
        (line, summary) = done.stdout.splitlines()
        assert line.startswith("unchanged ") and line.endswith(f"-> thread {tid} (+0 entries)")
        assert summary.endswith("0 imported, 0 updated, 1 unchanged, 0 skipped; 0 entries added")
        assert logical_dump(db) == before
        assert _stamp(db) == stamp


@pytest.mark.parametrize("fmt", ["chatgpt", "openwebui", "librechat"])
def test_an_export_grown_elsewhere_adds_only_its_new_entries_to_the_thread_it_came_from(tmp_path, fmt):
    wrap = {"chatgpt": lambda v: [v], "openwebui": lambda v: v, "librechat": lambda v: v}[fmt]
    with threadtree.open(tmp_path / "a.db") as store:
        store.create_thread("made here", thread_id="t")
        y = build(store, "t", BRANCHED)["y"]
        first = tmp_path / "first.json"
        first.write_bytes(orjson.dumps(wrap(threadtree.formats.export_thread(store, "t", fmt))))
    with threadtree.open(tmp_path / "b.db") as elsewhere:
        (copy,) = import_file(elsewhere, first).outcomes
        # under y, by its id: LibreChat has no live leaf, and times to the millisecond can tie
        under = elsewhere.find_entry(copy.thread_id, _engine.exported_id("t", y))
        elsewhere.append(copy.thread_id, "assistant", "grown elsewhere", parent_id=under.id)
        grown = tmp_path / "grown.json"
        grown.write_bytes(orjson.dumps(wrap(threadtree.formats.export_thread(elsewhere, copy.thread_id, fmt))))
    with threadtree.open(tmp_path / "a.db") as store:
        (outcome,) = import_file(store, grown).outcomes
        assert (outcome.status, outcome.thread_id, outcome.added) == ("updated", "t", 1)
        assert [t.id for t in store.list_threads(limit=None)] == ["t"]
        assert [e.content for e in store.path("t")] == ["a", "b", "x", "y", "grown elsewhere"]
        assert store.check() == []
        assert import_file(store, grown).outcomes[0].status == "unchanged"


def test_an_unchanged_conversation_is_known_by_its_digest_and_not_compared_again(store, tmp_path, monkeypatch):
    sample = DATA / "chatgpt" / "librechat__chatgpt-export.json"
    first = import_file(store, sample)
    assert [o.status for o in first.outcomes] == ["imported", "imported"]
    digests = [store.get_thread(o.thread_id).metadata["source"]["digest"] for o in first.outcomes]
    assert len(set(digests)) == 2

    def no_planning(*args, **kwargs):
        raise AssertionError("an unchanged conversation was planned again")

    monkeypatch.setattr(_engine, "plan", no_planning)
    again = import_file(store, sample)
    assert [(o.status, o.thread_id) for o in again.outcomes] == [("unchanged", o.thread_id) for o in first.outcomes]
    monkeypatch.undo()
    # One byte more in the second conversation: it is compared node by node (and updated).
    changed = tmp_path / "changed.json"
    changed.write_bytes(sample.read_bytes().replace(b'"title": "Conversation 2"', b'"title": "Conversation 2!"', 1))
    third = import_file(store, changed)
    assert [o.status for o in third.outcomes] == ["unchanged", "updated"]
    assert store.get_thread(third.outcomes[1].thread_id).metadata["source"]["digest"] != digests[1]


def test_a_thread_of_another_file_with_the_same_id_is_not_taken_for_the_one_exported(tmp_path):
    """Thread ids can be chosen (create_thread(thread_id=...)): the same id in another file
    names another conversation, which an export must not be merged into."""
    with threadtree.open(tmp_path / "a.db") as store:
        store.create_thread("ours", thread_id="support")
        store.append("support", "user", "Where is my parcel?")
        path = tmp_path / "export.json"
        path.write_bytes(orjson.dumps([threadtree.formats.export_thread(store, "support", "chatgpt")]))
    with threadtree.open(tmp_path / "b.db") as other:
        other.create_thread("theirs", thread_id="support")
        other.append("support", "user", "Can I change my order?")
        (outcome,) = import_file(other, path).outcomes
        assert outcome.status == "imported" and outcome.thread_id != "support"
        assert outcome.notes == [
            "thread 'support' that this file was exported from differs from it at node "
            f"{_engine.exported_id('support', 1)}; imported as a new thread"
        ]
        assert [e.content for e in other.path("support")] == ["Can I change my order?"]
        assert [e.content for e in other.path(outcome.thread_id)] == ["Where is my parcel?"]


# -- progress on a terminal, silence on a pipe --


def test_import_shows_its_progress_on_a_terminal_and_erases_it(tmp_path):
    sample = DATA / "chatgpt" / "librechat__chatgpt-export.json"
    code, out, terminal = on_a_terminal(["--db", str(tmp_path / "a.db"), "import", str(sample)], tmp_path)
    assert code == 0, terminal
    text = terminal.decode()
    assert "\rimporting librechat__chatgpt-export.json: 1 conversation, 17 messages, " in text
    assert re.search(r"\d messages/s\x1b\[K", text)
    assert text.endswith("\r\x1b[K")  # erased before the report
    assert out.rstrip().endswith("2 imported, 0 updated, 0 unchanged, 0 skipped; 23 entries added")


def test_import_writes_nothing_but_errors_to_a_pipe(tmp_path):
    sample = DATA / "chatgpt" / "librechat__chatgpt-export.json"
    done = _run("--db", str(tmp_path / "a.db"), "import", str(sample), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert "2 imported" in done.stdout


@pytest.mark.parametrize("sample", [
    DATA / "chatgpt" / "librechat__chatgpt-export.json",
    DATA / "claude-code" / "ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl",
    DATA / "openwebui" / "openwebui-chat-repair__bad-test-1.json",
], ids=lambda p: p.parent.name)
def test_the_same_file_imported_again_by_a_real_process_writes_nothing(tmp_path, sample):
    db = tmp_path / "a.db"
    first = _run("--db", str(db), "import", str(sample), cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    before, stamp = logical_dump(db), _stamp(db)
    watcher = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
    version = watcher.pragma("data_version")
    again = _run("--db", str(db), "import", str(sample), cwd=tmp_path)
    assert again.returncode == 0 and " 0 imported, 0 updated, " in again.stdout and " 0 entries added" in again.stdout
    assert watcher.pragma("data_version") == version  # no commit from another connection
    watcher.close()
    assert logical_dump(db) == before
    assert _stamp(db) == stamp
