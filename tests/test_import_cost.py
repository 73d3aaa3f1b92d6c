"""What a big import costs SQLite, and the reader's shortcut to an entry's text (issue 20).

An import writes thousands of entries a transaction, each insert firing the entries' triggers;
these tests check the work the import does not need: statement journals written to a temporary
file, and a search of every item for the copy of its text that the reader already knows the
place of. Speed itself is measured by benchmarks/import_chatgpt.py."""

from __future__ import annotations

from pathlib import Path

import apsw
import orjson
import pytest

import threadtree
import threadtree.formats
from threadtree import _json
from threadtree.formats import chatgpt
from threadtree.formats._plan import plan

from .helpers import raw_conn

PARAGRAPH = "Lisbon in May: long light, café terraces, the tram up to the castle. " * 20  # 1.4 KB


def _export(path: Path, conversations: int, nodes: int) -> Path:
    """A conversations.json of one-part text messages in chains, ``nodes`` a conversation."""
    out = []
    for c in range(conversations):
        mapping, parent = {}, None
        for n in range(nodes):
            key = f"c{c}-n{n}"
            message = {
                "id": key,
                "author": {"role": "user" if n % 2 else "assistant"},
                "create_time": 1_700_000_000.0 + n,
                "content": {"content_type": "text", "parts": [f"{n} {PARAGRAPH}"]},
                "metadata": {},
            }
            mapping[key] = {"id": key, "message": message, "parent": parent, "children": []}
            if parent is not None:
                mapping[parent]["children"].append(key)
            parent = key
        out.append({"id": f"conv-{c}", "title": f"Trip {c}", "current_node": parent, "mapping": mapping})
    path.write_bytes(orjson.dumps(out))
    return path


class _OpenedFiles(apsw.VFS):
    """The default VFS, noting the flags of every file SQLite opens through it."""

    def __init__(self) -> None:
        self.flags: list[int] = []
        super().__init__("threadtree-opened-files", base="", makedefault=True)

    def xOpen(self, name, flags):
        self.flags.append(flags[0])
        return super().xOpen(name, flags)


def test_an_import_keeps_its_statement_journals_in_memory(tmp_path):
    # Inside a transaction, an insert that fires triggers keeps the pages it changes in a
    # statement journal; once that journal spilled to a temporary file it stayed one, and every
    # later insert of the transaction wrote its pages there (fails without temp_store=MEMORY).
    export = _export(tmp_path / "conversations.json", conversations=4, nodes=500)
    vfs = _OpenedFiles()
    try:
        with threadtree.open(tmp_path / "t.db") as store:
            report = threadtree.formats.import_file(store, export)
            entries = raw_conn(store).execute("select count(*) from entries").get
    finally:
        vfs.unregister()
    assert [o.status for o in report.outcomes] == ["imported"] * 4 and entries == 2000
    assert vfs.flags, "the VFS saw no file: the test would prove nothing"
    assert not [f for f in vfs.flags if f & apsw.SQLITE_OPEN_SUBJOURNAL]


def test_the_reader_says_where_a_message_text_is_and_the_import_stores_it_once(tmp_path):
    export = _export(tmp_path / "conversations.json", conversations=1, nodes=3)
    (conv,) = chatgpt.read(export)
    assert [n.content_at for n in conv.nodes] == [("message", "content", "parts", 0)] * 3
    with threadtree.open(tmp_path / "t.db") as store:
        threadtree.formats.import_file(store, export)
        rows = raw_conn(store).execute("select content, item, content_path from entries order by id").fetchall()
        thread = store.list_threads()[0]
        assert [e.item for e in store.path(thread.id)] == [n.item for n in conv.nodes]
    for (content, item, path), node in zip(rows, conv.nodes):
        assert path == "$.message.content.parts[0]"
        # the same bytes as the search for the text gives
        assert item.encode() == _json.cut_text(node.item, orjson.dumps(node.item), content)[0]
        assert content not in item


@pytest.mark.parametrize(
    ("content", "at"),
    [
        ({"content_type": "code", "language": "unknown", "text": PARAGRAPH}, ("message", "content", "text")),
        (
            {"content_type": "tether_browsing_display", "result": PARAGRAPH, "summary": None},
            ("message", "content", "result"),
        ),
        ({"content_type": "reasoning_recap", "content": PARAGRAPH}, ("message", "content", "content")),
        ({"content_type": "text", "parts": [PARAGRAPH, PARAGRAPH]}, None),  # two parts joined: not in the item
        ({"content_type": "user_editable_context", "user_profile": PARAGRAPH, "user_instructions": ""}, None),
    ],
)
def test_the_place_of_a_tool_message_text(tmp_path, content, at):
    message = {"id": "m", "author": {"role": "tool"}, "content": content}
    path = tmp_path / "conversations.json"
    path.write_bytes(orjson.dumps([{"id": "c", "mapping": {"m": {"id": "m", "message": message, "parent": None}}}]))
    (conv,) = chatgpt.read(path)
    (node,) = conv.nodes
    assert node.content_at == at
    stored, _, cut = plan(conv).items["m"]
    item = orjson.dumps(node.item)
    assert (stored.encode(), cut) == _json.cut_text(node.item, item, node.content)


@pytest.mark.parametrize(
    ("at", "why"),
    [
        (("message", "content", "parts", 1), "no such index"),
        (("message", "author", "role"), "another string"),
        (("message", "content"), "a container"),
        (("message", "the content", "parts", 0), "a key a path cannot name"),
        ((), "the whole item"),
    ],
)
def test_a_wrong_place_from_a_reader_is_searched_instead(at, why):
    # The place is checked, never trusted: where it does not hold the text, the item is
    # searched as it was before readers could say.
    text = "Kyoto in May: gardens, temples and the river at night."
    item = {"id": "a", "message": {"author": {"role": "user"}, "content": {"parts": [text]}}}
    node = threadtree.formats._model.Node("a", None, "user", text, item, content_at=at)
    conv = threadtree.formats._model.Conversation(
        format="chatgpt", source_id="c", title=None, nodes=[node], current="a"
    )
    stored, _, path = plan(conv).items["a"]
    assert path == "$.message.content.parts[0]", why
    assert orjson.loads(stored) == {"id": "a", "message": {"author": {"role": "user"}, "content": {"parts": [""]}}}
