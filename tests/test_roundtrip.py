"""Every sample file, through every door: import, import again, dump and restore, and where the
format has an exporter, export and import the result again.

The samples are real files written by others (tests/data/<folder>/, each with its source note).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import orjson
import pytest

import threadtree
from threadtree import InvalidInput
from threadtree.formats import (
    detect,
    export_formats,
    export_thread,
    import_file,
    readers,
)

from .helpers import logical_dump

DATA = Path(__file__).parent / "data"
FOLDER_FORMAT = {
    "chatgpt": "chatgpt", "claude-code": "claude-code", "openwebui": "openwebui", "librechat": "librechat",
    "claude-ai-export": "claude-ai", "pi-coding-agent": "pi", "other-grok": "grok",
    "other-sillytavern": "sillytavern", "other-aistudio": "aistudio", "other-chatbotui": "chatbotui",
}
SAMPLES = sorted(
    p for p in DATA.rglob("*")
    if p.is_file() and p.suffix in (".json", ".jsonl") and not p.name.endswith(".meta.json")
)
# How each exporter's value becomes a file its reader takes.
AS_FILE = {"chatgpt": lambda value: [value], "openwebui": lambda value: value, "librechat": lambda value: value}


def _id(path: Path) -> str:
    return str(path.relative_to(DATA))


def tree(store, thread_id):
    """The tree by source ids: {source_id: (parent's source_id, role, content, hidden)}, live leaf."""
    entries = store.entries(thread_id)
    by_id = {e.id: e for e in entries}
    shape = {
        e.source_id: (by_id[e.parent_id].source_id if e.parent_id else None, e.role, e.content, e.hidden)
        for e in entries
    }
    leaf = store.get_thread(thread_id).current_leaf_id
    return shape, (by_id[leaf].source_id if leaf else None)


def test_there_are_samples_of_every_format():
    assert {FOLDER_FORMAT[p.relative_to(DATA).parts[0]] for p in SAMPLES} == set(FOLDER_FORMAT.values())


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_exactly_one_reader_claims_a_sample(sample):
    """Detection does not hang on reader order: every other reader says no."""
    head = sample.read_bytes()[: 1 << 20]
    claims = [module.NAME for module in readers() if module.sniff(head, sample)]
    assert claims == [FOLDER_FORMAT[sample.relative_to(DATA).parts[0]]]


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_a_sample_named_as_another_format_is_refused_and_nothing_is_written(sample, tmp_path):
    """A forced --format is checked as detection checks: another reader would turn the file's
    objects into entries that are not messages (one file gave 175 empty 'assistant' ones)."""
    own = FOLDER_FORMAT[sample.relative_to(DATA).parts[0]]
    db = tmp_path / "a.db"
    threadtree.open(db).close()
    before = logical_dump(db)
    with threadtree.open(db) as store:
        for module in readers():
            if module.NAME == own:
                continue
            with pytest.raises(InvalidInput) as caught:
                import_file(store, sample, format=module.NAME)
            assert str(caught.value) == (
                f"{str(sample)!r} is not a {module.NAME} file ({module.DESCRIPTION}); it looks like {own}"
            )
    assert logical_dump(db) == before


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_a_sample_imports_once_and_a_second_import_changes_nothing(sample, tmp_path):
    expected = FOLDER_FORMAT[sample.relative_to(DATA).parts[0]]
    assert detect(sample) == expected
    db = tmp_path / "a.db"
    with threadtree.open(db) as store:
        report = import_file(store, sample)
        assert report.imported, report.outcomes
        assert store.check() == []
        for outcome in report.imported:
            thread = store.get_thread(outcome.thread_id)
            assert thread.source_format == expected
            if store.entries(thread.id):
                assert thread.current_leaf_id is not None
        before = logical_dump(db)
        again = import_file(store, sample)
        assert [o.status for o in again.outcomes] == [
            "skipped" if o.status == "skipped" else "unchanged" for o in report.outcomes
        ]
    assert logical_dump(db) == before


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_a_dump_of_an_imported_sample_restores_identically(sample, tmp_path):
    with threadtree.open(tmp_path / "a.db") as store:
        import_file(store, sample)
        ids = [t.id for t in reversed(store.list_threads(limit=None))]
        lines = [line for tid in ids for line in export_thread(store, tid, "jsonl")]
    dump = tmp_path / "dump.jsonl"
    dump.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    with threadtree.open(tmp_path / "b.db") as store:
        assert {o.status for o in import_file(store, dump).outcomes} == {"imported"}
    a, b = logical_dump(tmp_path / "a.db"), logical_dump(tmp_path / "b.db")
    assert (a["threads"], a["entries"], a["leaves"]) == (b["threads"], b["entries"], b["leaves"])


ROUND_TRIPS = [s for s in SAMPLES if FOLDER_FORMAT[s.relative_to(DATA).parts[0]] in AS_FILE]


@pytest.mark.parametrize("sample", ROUND_TRIPS, ids=_id)
def test_export_in_the_same_format_and_import_again_gives_the_same_tree(sample, tmp_path):
    name = FOLDER_FORMAT[sample.relative_to(DATA).parts[0]]
    assert name in export_formats()
    with threadtree.open(tmp_path / "a.db") as store:
        report = import_file(store, sample)
        originals = {o.thread_id: tree(store, o.thread_id) for o in report.imported}
        exported = {tid: export_thread(store, tid, name) for tid in originals}
    for number, (tid, value) in enumerate(exported.items()):
        path = tmp_path / f"export-{number}.json"
        path.write_bytes(orjson.dumps(AS_FILE[name](value)))
        with threadtree.open(tmp_path / f"b{number}.db") as store:
            again = import_file(store, path, format=name)
            assert [o.status for o in again.outcomes] == ["imported"], again.outcomes
            assert tree(store, again.outcomes[0].thread_id) == originals[tid]


# -- a thread made in threadtree, through each app's format and back --

# What each format keeps of an entry (the README's table of what a round trip keeps): a function of the
# original (role, content, hidden, created_at) giving what comes back.
KEPT = {
    "chatgpt": lambda role, content, hidden, at: (
        role if role in {"system", "user", "assistant", "tool"} else "other", content, hidden or role == "system", at),
    "openwebui": lambda role, content, hidden, at: (
        role if role in {"system", "user", "assistant", "tool"} else "other", content, role == "system", at),
    "librechat": lambda role, content, hidden, at: (
        role if role in {"system", "user", "assistant", "tool"} else "assistant", content, False, _to_ms(at)),
}


def _to_ms(seconds: float) -> float:
    """A time cut to the millisecond, as LibreChat holds it (an ISO string with milliseconds)."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).timestamp()


def _native_thread(store) -> str:
    """Every kind of entry a round trip can lose: roles, trailing whitespace, hidden entries,
    times with a fraction of a second (time.time()), and a branch."""
    tid = store.create_thread("Round trip").id
    store.append(tid, "system", "Be brief.", hidden=True)
    question = store.append(tid, "user", "What is six times seven?  \n")
    store.append(tid, "assistant", "Let me compute.\n\n")
    store.append(tid, "tool", "42\n")
    store.append(tid, "assistant", "It is 42.")
    store.fork(question.id, "assistant", "  Forty-two ")
    store.append(tid, "user", "a note to self", hidden=True)
    store.append(tid, "developer", "Answer in words.")
    return tid


def _shape(store, tid):
    entries = store.entries(tid)
    index = {e.id: i for i, e in enumerate(entries)}
    leaf = store.get_thread(tid).current_leaf_id
    return [(index.get(e.parent_id), e.role, e.content, e.hidden, e.created_at) for e in entries], index[leaf]


@pytest.mark.parametrize("name", sorted(KEPT))
def test_a_round_trip_keeps_what_the_format_can_hold(name, tmp_path):
    with threadtree.open(tmp_path / "a.db") as store:
        tid = _native_thread(store)
        original, leaf = _shape(store, tid)
        exported = export_thread(store, tid, name)
    path = tmp_path / "export.json"
    path.write_bytes(orjson.dumps(AS_FILE[name](exported)))
    with threadtree.open(tmp_path / "b.db") as store:
        (outcome,) = import_file(store, path, format=name).outcomes
        back, back_leaf = _shape(store, outcome.thread_id)
    expected = [(parent, *KEPT[name](role, content, hidden, at)) for parent, role, content, hidden, at in original]
    assert back == expected
    assert back_leaf == leaf
