"""Hostile import files: a value of the wrong JSON type wherever a reader looks.

Files given to ``threadtree import`` come from anywhere, and a reader that uses a value from
the file as a dict key or a set member before checking its type dies on a list there
(``unhashable type: 'list'``), taking the whole import with it (the CLI said "unexpected
TypeError"). The promise checked here: detection and an import either raise
:class:`threadtree.InvalidInput` (a file no reader takes, or not of the format named) or
return a report, where a conversation that cannot be read is skipped with a reason and a value
a reader can live without is mapped like an unknown one (an unknown role is ``other``); never
a ``TypeError``, ``AttributeError``, ``KeyError`` or ``IndexError``; what is written passes
``store.check()`` and exports in every format.

The first tests pin each crash found; the last takes every sample of tests/data/ (and the
exports of one) and puts a list, and one of an object, a number, null, a boolean, a string or
nothing, at one path of each shape of its JSON (a seeded sample of the shapes of a larger file),
importing each copy with its format named and with detection, and exporting what was written.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import threadtree
from threadtree import InvalidInput
from threadtree.formats import detect, export_formats, export_thread, import_file

from .test_roundtrip import DATA, FOLDER_FORMAT, SAMPLES  # every sample file, and its format by folder

PI_HEADER = {"type": "session", "version": 3, "id": "s1", "timestamp": "2025-01-01T00:00:00Z", "cwd": "/tmp"}


def write_lines(path: Path, *lines: Any) -> Path:
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def write_json(path: Path, value: Any) -> Path:
    path.write_bytes(orjson.dumps(value))
    return path


@contextlib.contextmanager
def imported(tmp_path: Path, path: Path, format: str | None = None) -> Iterator[tuple[threadtree.Store, Any]]:
    """The store and the report of importing ``path`` into a new database, checked."""
    with threadtree.open(tmp_path / "a.db") as store:
        report = import_file(store, path, format=format)
        assert store.check() == []
        yield store, report


def roles(store: threadtree.Store) -> list[tuple[str, str, bool]]:
    (thread,) = store.list_threads()
    return [(e.role, e.content, e.hidden) for e in store.entries(thread.id)]


# -- each crash found, pinned --


def test_a_pi_entry_whose_type_is_a_list_is_kept_as_an_unknown_entry(tmp_path):
    path = write_lines(tmp_path / "s.jsonl", PI_HEADER, {"type": ["x"], "id": "a", "parentId": None})
    with imported(tmp_path, path) as (store, report):
        assert [o.status for o in report.outcomes] == ["imported"]
        [(role, _, hidden)] = roles(store)
        assert (role, hidden) == ("other", True)


def test_a_pi_message_whose_role_is_a_list_is_other(tmp_path):
    message = {"type": "message", "id": "a", "parentId": None, "message": {"role": ["x"], "content": "hi"}}
    with imported(tmp_path, write_lines(tmp_path / "s.jsonl", PI_HEADER, message)) as (store, report):
        assert [o.status for o in report.outcomes] == ["imported"]
        assert roles(store) == [("other", "hi", False)]


def test_a_pi_assistant_message_whose_content_is_a_boolean_has_no_text(tmp_path):
    message = {"type": "message", "id": "a", "parentId": None, "message": {"role": "assistant", "content": True}}
    with imported(tmp_path, write_lines(tmp_path / "s.jsonl", PI_HEADER, message)) as (store, report):
        assert [o.status for o in report.outcomes] == ["imported"]
        assert roles(store) == [("assistant", "", False)]


def test_an_aistudio_chunk_whose_role_is_a_list_is_other_with_a_note(tmp_path):
    path = write_json(tmp_path / "prompt.json", {"chunkedPrompt": {"chunks": [{"role": ["x"], "text": "hi"}]}})
    with imported(tmp_path, path) as (store, report):
        (outcome,) = report.outcomes
        assert outcome.status == "imported"
        assert "node chunk-0: unknown role ['x']; role other" in outcome.notes
        assert roles(store) == [("other", "hi", False)]


def test_an_openwebui_message_whose_role_is_a_list_is_other(tmp_path):
    message = {"id": "m1", "parentId": None, "childrenIds": [], "role": ["x"], "content": "hi", "timestamp": 1}
    chat = {"id": "c1", "title": "t", "chat": {"history": {"messages": {"m1": message}, "currentId": "m1"}}}
    with imported(tmp_path, write_json(tmp_path / "chats.json", [chat])) as (store, report):
        assert [o.status for o in report.outcomes] == ["imported"]
        assert roles(store) == [("other", "hi", False)]


def test_a_chatbotui_message_whose_role_is_a_list_is_other_with_a_note(tmp_path):
    item = {"id": "c1", "name": "n", "messages": [{"role": ["x"], "content": "hi"}]}
    with imported(tmp_path, write_json(tmp_path / "ui.json", {"version": 4, "history": [item]})) as (store, report):
        (outcome,) = report.outcomes
        assert outcome.status == "imported"
        assert "node message-0: unknown role ['x']; role other" in outcome.notes
        assert roles(store) == [("other", "hi", False)]


def test_chatbotui_folders_that_are_not_an_array_are_ignored(tmp_path):
    item = {"id": "c1", "name": "n", "folderId": "f", "messages": [{"role": "user", "content": "hi"}]}
    path = write_json(tmp_path / "ui.json", {"version": 4, "history": [item], "folders": 7})
    with imported(tmp_path, path) as (store, report):
        assert [o.status for o in report.outcomes] == ["imported"]
        assert "folder" not in store.list_threads()[0].metadata["source"]


def test_a_grok_leaf_pointer_that_is_a_list_falls_back_to_the_newest_leaf(tmp_path):
    responses = [
        {"response": {"response_id": "r1", "sender": "human", "message": "hi", "create_time": "2025-01-01T00:00:00Z"}},
        {"response": {"response_id": "r2", "parent_response_id": "r1", "sender": "assistant", "message": "yo"}},
    ]
    conversation = {"conversation_id": "c1", "title": "t", "leaf_response_id": ["x"]}
    grok = {"conversations": [{"conversation": conversation, "responses": responses}]}
    path = write_json(tmp_path / "grok.json", grok)
    with imported(tmp_path, path, "grok") as (store, report):
        (outcome,) = report.outcomes
        assert outcome.status == "imported"
        assert "leaf_response_id ['x'] is not a response of the conversation; the newest leaf r2 is the live leaf" in (
            outcome.notes
        )
        thread = store.get_thread(outcome.thread_id)
        assert store.get_entry(thread.current_leaf_id).source_id == "r2"


CLAUDE_LINE = {
    "type": "user", "timestamp": "2025-07-01T12:00:00.000Z", "parentUuid": None, "isSidechain": False,
    "userType": "external", "cwd": "/tmp", "sessionId": "s1", "version": "1.0.0", "uuid": "u1",
    "message": {"role": "user", "content": [{"type": "text", "text": "hi"}]},
}


def test_a_claude_code_summary_whose_leaf_is_a_list_names_no_conversation(tmp_path):
    summary = {"type": "summary", "summary": "A title", "leafUuid": ["u1"]}
    with imported(tmp_path, write_lines(tmp_path / "s1.jsonl", summary, CLAUDE_LINE)) as (store, report):
        (outcome,) = report.outcomes
        assert outcome.status == "imported"
        assert outcome.title == "hi"  # the first prompt, as with no summary for the conversation


def test_detection_of_claude_code_passes_over_a_later_line_whose_type_is_a_list(tmp_path):
    """The first line is not a message line, so detection reads on, past a line it cannot use."""
    mode = {"type": "permission-mode", "permissionMode": "default", "sessionId": "s1"}
    path = write_lines(tmp_path / "s1.jsonl", mode, {"type": ["x"], "uuid": "u0", "sessionId": "s1"}, CLAUDE_LINE)
    assert detect(path) == "claude-code"
    with imported(tmp_path, path) as (store, report):
        assert [o.status for o in report.outcomes] == ["skipped", "imported"]
        assert report.outcomes[0].reason == "an object without a 'type'"


def test_detection_of_openai_messages_with_a_list_role_says_it_cannot_tell(tmp_path, new_db):
    path = write_json(tmp_path / "messages.json", [{"role": ["x"], "content": "hi"}])
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        detect(path)
    with threadtree.open(new_db("a")) as store, pytest.raises(InvalidInput, match="is not a openai file"):
        import_file(store, path, format="openai")


def test_the_cli_refuses_openai_messages_with_a_list_role_in_one_line(tmp_path, new_db):
    path = write_json(tmp_path / "messages.json", [{"role": ["x"], "content": "hi"}])
    env = {k: v for k, v in os.environ.items() if k not in ("THREADTREE_DB", "THREADTREE_DEBUG")}
    done = subprocess.run(
        [sys.executable, "-m", "threadtree", "--db", str(new_db("a")), "import", str(path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 1, done
    assert done.stderr.startswith("threadtree: error: cannot tell the format"), done.stderr
    assert done.stderr.count("\n") == 1 and "unexpected" not in done.stderr and "Traceback" not in done.stderr


def test_an_openai_export_writes_an_item_with_a_list_role_as_a_plain_message(tmp_path, new_db):
    with threadtree.open(new_db("a")) as store:
        tid = store.create_thread("t").id
        store.append(tid, "user", "hi", item={"role": ["x"], "content": "hi"})
        assert export_thread(store, tid, "openai") == [{"role": "user", "content": "hi"}]


def test_an_anthropic_export_of_claude_code_leaves_out_a_block_whose_type_is_a_list(tmp_path):
    line = {**CLAUDE_LINE, "message": {"role": "user", "content": [{"type": ["x"]}, {"type": "text", "text": "hi"}]}}
    with imported(tmp_path, write_lines(tmp_path / "s1.jsonl", line)) as (store, report):
        (outcome,) = report.outcomes
        assert export_thread(store, outcome.thread_id, "anthropic") == {
            "system": None, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        }


def test_a_jsonl_dump_whose_live_leaf_is_a_list_skips_its_thread_naming_it(tmp_path, new_db):
    with threadtree.open(new_db("a")) as store:
        tid = store.create_thread("t").id
        store.append(tid, "user", "hi")
        lines = export_thread(store, tid, "jsonl")
    lines[0]["current_leaf_id"] = ["x"]
    with threadtree.open(new_db("b")) as store:
        (outcome,) = import_file(store, write_lines(tmp_path / "dump.jsonl", *lines)).outcomes
        assert (outcome.status, outcome.reason) == ("skipped", "current_leaf_id ['x'] is not an entry of the thread")
        assert store.list_threads() == []


def test_a_jsonl_dump_whose_thread_line_has_no_id_skips_its_thread_naming_the_field(tmp_path, new_db):
    with threadtree.open(new_db("a")) as store:
        tid = store.create_thread("t").id
        store.append(tid, "user", "hi")
        lines = export_thread(store, tid, "jsonl")
    del lines[0]["id"]
    with threadtree.open(new_db("b")) as store:
        (outcome,) = import_file(store, write_lines(tmp_path / "dump.jsonl", *lines), format="jsonl").outcomes
        assert (outcome.status, outcome.reason) == ("skipped", "line 1: a thread line needs ['id']")
        assert store.list_threads() == []

def test_a_jsonl_dump_with_an_entry_id_beyond_sqlite_skips_its_thread_and_restores_the_next(tmp_path, new_db):
    """The id is an int, so it passes as a type, but no entry can have it: the thread is
    skipped, and the dump's other threads are still restored."""
    with threadtree.open(new_db("a")) as store:
        first, second = store.create_thread("t").id, store.create_thread("u").id
        store.append(first, "user", "hi")
        store.append(second, "user", "yo")
        lines = export_thread(store, first, "jsonl") + export_thread(store, second, "jsonl")
    lines[1]["id"] = 2**63 + 5  # orjson reads it back as an int
    with threadtree.open(new_db("b")) as store:
        report = import_file(store, write_lines(tmp_path / "dump.jsonl", *lines))
        assert [(o.status, o.reason) for o in report.outcomes] == [
            ("skipped", f"entry {2**63 + 5} does not exist"), ("imported", None),
        ]
        assert [t.id for t in store.list_threads()] == [second]
        assert store.check() == []


# -- every sample, with a value of the wrong type at a seeded sample of its paths --

# The exports of one branching sample are files too: they reach the jsonl, openai and anthropic readers.
EXPORTED = DATA / "claude-code" / "synthetic-fixtures" / "ccl__dag_fork.jsonl"
EXPORTS = export_formats()  # each is read back by the reader of the same name
WRONG = (["x"], {"x": "y"}, 7, None, True, "x")
REMOVED = object()  # for "the key (or element) is not there at all"
# A key that is not a field name (a message id keying a mapping) counts as any key: paths through
# each message of a mapping are then one shape, like paths through each element of an array.
FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
# A sample of the shapes of a larger file, so the test stays in seconds: every mutated copy is
# read whole, so a file of hundreds of kilobytes gets fewer.
SHAPES_PER_FILE = 40
BYTES_PER_FILE = 4_000_000
SEED = 20261206


def _paths(value: Any, at: tuple = ()) -> Iterator[tuple]:
    if at:
        yield at
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*at, index))


def _shape(at: tuple) -> tuple:
    return tuple(key if isinstance(key, str) and FIELD.fullmatch(key) else "*" for key in at)


def mutations(value: Any, rng: random.Random, most: int) -> Iterator[tuple[tuple, Any]]:
    """(path, value to put there): at one path of each shape (or of a seeded sample of ``most``
    shapes), a list, then one of the other types (not the type that was there) or nothing."""
    by_shape: dict[tuple, list[tuple]] = {}
    for at in _paths(value):
        by_shape.setdefault(_shape(at), []).append(at)
    shapes = list(by_shape)
    for shape in shapes if len(shapes) <= most else rng.sample(shapes, most):
        at = rng.choice(by_shape[shape])
        original = _get(value, at)
        yield at, WRONG[0]
        yield at, rng.choice([*(wrong for wrong in WRONG[1:] if type(wrong) is not type(original)), REMOVED])


def _get(value: Any, at: tuple) -> Any:
    for key in at:
        value = value[key]
    return value


def _with(value: Any, at: tuple, new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``at``; only the containers on the path are copied."""
    head, *rest = at
    copied = dict(value) if isinstance(value, dict) else list(value)
    if rest:
        copied[head] = _with(value[head], tuple(rest), new)
    elif new is REMOVED:
        del copied[head]
    else:
        copied[head] = new
    return copied


def _crash(exc: BaseException) -> str:
    """The exception and the innermost line of threadtree that raised it."""
    mine = f"{os.sep}threadtree{os.sep}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if mine in f.filename]
    place = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {place}: {exc}"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    """The thread of :data:`EXPORTED` in every export format, each written as its reader takes it."""
    folder = tmp_path_factory.mktemp("exports")
    with threadtree.open(folder / "a.db") as store:
        thread_id = import_file(store, EXPORTED).imported[0].thread_id
        files = {}
        for fmt in EXPORTS:
            value = export_thread(store, thread_id, fmt)
            if fmt == "jsonl":
                files[fmt] = write_lines(folder / "dump.jsonl", *value)
            else:
                files[fmt] = write_json(folder / f"{fmt}.json", [value] if fmt == "chatgpt" else value)
    return files


CASES = [str(p.relative_to(DATA)) for p in SAMPLES] + [f"export:{fmt}" for fmt in EXPORTS]


@pytest.mark.parametrize("case", CASES)
def test_a_wrong_type_anywhere_in_a_sample_is_refused_or_skipped_never_a_crash(case, exports, tmp_path):
    if case.startswith("export:"):
        fmt = case.removeprefix("export:")
        sample, own = exports[fmt], fmt
    else:
        sample = DATA / case
        own = FOLDER_FORMAT[Path(case).parts[0]]
    per_line = sample.suffix == ".jsonl"
    raw = sample.read_bytes()
    value = [orjson.loads(line) for line in raw.splitlines() if line.strip()] if per_line else orjson.loads(raw)
    target = tmp_path / "in" / sample.name
    target.parent.mkdir()
    if sample.with_suffix("").is_dir():  # a Claude Code session's subagents are read from beside it
        shutil.copytree(sample.with_suffix(""), target.with_suffix(""))
    rng = random.Random(f"{SEED} {case}")
    problems: list[str] = []
    with threadtree.open(tmp_path / "a.db") as store:  # on SQLite alone: the parsers are the same on both
        for at, new in mutations(value, rng, max(8, min(SHAPES_PER_FILE, BYTES_PER_FILE // len(raw)))):
            changed = _with(value, at, new)
            if per_line:
                target.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in changed))
            else:
                target.write_bytes(orjson.dumps(changed))
            label = f"{'/'.join(map(str, at))} {'removed' if new is REMOVED else f'= {new!r}'}"
            try:
                found: str | None = detect(target)
            except InvalidInput:
                found = None
            except Exception as exc:
                problems.append(f"{label}: detection: {_crash(exc)}")
                found = None
            for fmt in dict.fromkeys(f for f in (own, found) if f is not None):
                try:
                    report = import_file(store, target, format=fmt)
                except InvalidInput:
                    continue
                except Exception as exc:
                    problems.append(f"{label}: import as {fmt}: {_crash(exc)}")
                    continue
                for outcome in report.outcomes:
                    if outcome.status not in ("imported", "updated"):
                        continue
                    for exported in EXPORTS:
                        try:
                            export_thread(store, outcome.thread_id, exported)
                        except Exception as exc:
                            problems.append(f"{label}: {fmt} export as {exported}: {_crash(exc)}")
            checked = store.check()
            if checked:
                problems.append(f"{label}: store.check() says {checked[:3]}")
    assert problems == []

