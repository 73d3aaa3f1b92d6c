"""Importing OpenAI Agents SDK session files (threadtree/formats/openai_agents.py, docs/formats.md
section 15): files made by the real SDK (SQLiteSession, AdvancedSQLiteSession) driven by a
scripted model, imported, imported again, grown and imported again, and continued through
ThreadTreeSession. The source file is watched: same bytes, same mtime, nothing beside it."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

pytest.importorskip("agents")

from agents import ModelResponse, Runner, SQLiteSession, Usage  # noqa: E402
from agents.extensions.memory import AdvancedSQLiteSession  # noqa: E402

import threadtree  # noqa: E402
from threadtree.agents import ThreadTreeSession  # noqa: E402
from threadtree.formats import detect, import_file  # noqa: E402
from threadtree.formats import openai_agents as reader  # noqa: E402

from .agent_model import RUN_CONFIG, ScriptedModel, make_agent  # noqa: E402
from .helpers import logical_dump  # noqa: E402
from .peer_files import Untouched, cli_import, live_items, shape  # noqa: E402


class CountingModel(ScriptedModel):
    """The scripted model, reporting one request and token counts per answer (so that
    AdvancedSQLiteSession's usage rows hold numbers)."""

    async def get_response(self, *args, **kwargs) -> ModelResponse:
        response = await super().get_response(*args, **kwargs)
        response.usage = Usage(requests=1, input_tokens=10 * len(self.inputs), output_tokens=3, total_tokens=10 * len(self.inputs) + 3)
        return response


def run(coro):
    return asyncio.run(coro)


async def turns(session, texts, model=None):
    agent = make_agent(model or ScriptedModel())
    for text in texts:
        result = await Runner.run(agent, text, session=session, run_config=RUN_CONFIG)
        if isinstance(session, AdvancedSQLiteSession):
            await session.store_run_usage(result)


def sdk_items(path, session_id="chat"):
    session = SQLiteSession(session_id, path)
    try:
        return run(session.get_items())
    finally:
        session.close()


@pytest.fixture
def plain(tmp_path):
    """A SQLiteSession file: session 'chat' (two turns, one with a tool call) and 'other'."""
    path = tmp_path / "src" / "sessions.db"
    path.parent.mkdir(exist_ok=True)
    for session_id, texts in (("chat", ["hello", "add 2 and 3"]), ("other", ["hi there"])):
        session = SQLiteSession(session_id, path)
        run(turns(session, texts))
        session.close()
    return path


@pytest.fixture
def advanced(tmp_path):
    """An AdvancedSQLiteSession file: three turns on main, then branch 'alt' made from turn 2
    (sharing turn 1) with one turn of its own, which stays current."""
    path = tmp_path / "src" / "advanced.db"
    path.parent.mkdir(exist_ok=True)

    async def build():
        session = AdvancedSQLiteSession(session_id="adv", db_path=path, create_tables=True)
        model = CountingModel()
        await turns(session, ["first", "add 1 and 1", "third"], model)
        await session.create_branch_from_turn(2, "alt")
        await turns(session, ["a different second"], model)
        session.close()

    run(build())
    return path


def test_a_session_file_is_detected_by_its_tables(plain, advanced):
    assert detect(plain) == detect(advanced) == "openai-agents"


def test_each_session_becomes_a_chain_under_its_own_id_with_the_items_as_the_sdk_stored_them(plain, store):
    watch = Untouched(plain)
    report = import_file(store, plain)
    assert [(o.status, o.thread_id, o.added) for o in report.outcomes] == [("imported", "chat", 6), ("imported", "other", 2)]
    assert live_items(store, "chat") == sdk_items(plain)
    tree, leaf = shape(store, "chat")
    assert list(tree.values()) == [
        (None, "user", "hello"),
        ("1", "assistant", "You said: hello"),
        ("2", "user", "add 2 and 3"),
        ("3", "assistant", 'add({"a": 2, "b": 3})'),
        ("4", "tool", "5"),
        ("5", "assistant", "The sum is 5."),
    ]
    assert leaf == "6"
    assert store.get_thread("chat").source_format == "openai-agents"
    watch.check()


def test_a_second_import_writes_nothing_and_new_items_are_added_later(plain, db_path):
    with threadtree.open(db_path) as store:
        import_file(store, plain)
    before = logical_dump(db_path)
    with threadtree.open(db_path) as store:
        assert {o.status for o in import_file(store, plain).outcomes} == {"unchanged"}
    assert logical_dump(db_path) == before

    session = SQLiteSession("chat", plain)
    run(turns(session, ["one more"]))
    session.close()
    with threadtree.open(db_path) as store:
        outcomes = {o.thread_id: (o.status, o.added) for o in import_file(store, plain).outcomes}
        assert outcomes == {"chat": ("updated", 2), "other": ("unchanged", 0)}
        assert live_items(store, "chat") == sdk_items(plain)


def test_threadtree_session_continues_where_sqlite_session_left_off(plain, store):
    import_file(store, plain)
    history = sdk_items(plain)
    model = ScriptedModel()

    async def continue_it():
        with ThreadTreeSession("chat", store) as session:
            await Runner.run(make_agent(model), "and now?", session=session, run_config=RUN_CONFIG)
            return await session.get_items()

    items = run(continue_it())
    assert model.inputs[0][: len(history)] == history  # the model was sent the whole history
    assert model.inputs[0][len(history)]["content"] == "and now?"
    assert items[: len(history)] == history and len(items) == len(history) + 2


def test_a_session_the_app_still_has_open_is_read_through_its_wal(tmp_path, store):
    """The SDK keeps its file in WAL mode: while a session is open, the newest items are in the
    -wal file. The import reads them and creates nothing beside the file."""
    path = tmp_path / "live.db"
    session = SQLiteSession("chat", path)
    try:
        run(turns(session, ["hello", "still here"]))
        assert (tmp_path / "live.db-wal").exists()
        watch = Untouched(path)
        import_file(store, path)
        watch.check()  # before the SDK reads again: its own reads may fold the WAL in
        assert live_items(store, "chat") == run(session.get_items())
    finally:
        session.close()


def test_branches_share_the_items_they_copied_and_the_branch_written_last_is_live(advanced, store):
    watch = Untouched(advanced)
    (outcome,) = import_file(store, advanced).outcomes
    watch.check()  # before the SDK opens the file again (it makes its -wal and -shm)
    sdk = AdvancedSQLiteSession(session_id="adv", db_path=advanced)
    try:
        alt = run(sdk.get_items(branch_id="alt"))
        main = run(sdk.get_items(branch_id="main"))
        rows = sqlite3.connect(advanced).execute("select count(*) from agent_messages").fetchone()[0]
    finally:
        sdk.close()
    assert outcome.added == rows == 10  # 8 on main, 2 of alt's own: the 2 it copied are shared
    assert live_items(store, "adv") == alt
    tree, leaf = shape(store, "adv")
    main_tip = next(sid for sid, (_, _, text) in tree.items() if text == "You said: third")
    assert [e.item for e in store.path_to(store.find_entry("adv", main_tip).id)] == main
    # alt's first own item is a sibling of main's second user turn, under turn 1's reply
    assert tree["9"][0] == tree["3"][0] == "2"
    metadata = store.get_thread("adv").metadata["source"]
    assert metadata["current_branch"] == "alt" and metadata["branches"] == {"main": main_tip, "alt": leaf}


def test_turn_usage_becomes_the_usage_of_each_turns_last_item(advanced, store):
    import_file(store, advanced)
    rows = sqlite3.connect(advanced).execute(
        "select branch_id, user_turn_number, input_tokens from turn_usage order by id"
    ).fetchall()
    used = {e.source_id: e.usage for e in store.entries("adv") if e.usage is not None}
    assert len(used) == len(rows) == 4
    assert sorted(u["input_tokens"] for u in used.values()) == sorted(r[2] for r in rows)
    assert all(u["requests"] >= 1 and "input_tokens_details" in u for u in used.values())
    assert store.usage("adv")["input_tokens"] == sum(r[2] for r in rows if r[0] == "alt" or r[1] == 1)


def test_usage_counted_after_an_import_is_taken_by_the_next(advanced, db_path):
    """store_run_usage runs after the run: an import in between sees the items, not the usage."""
    damaged = sqlite3.connect(advanced)
    damaged.execute("delete from turn_usage where branch_id = 'alt'")
    damaged.commit()
    damaged.close()
    with threadtree.open(db_path) as store:
        import_file(store, advanced)
        leaf = store.get_thread("adv").current_leaf_id
        assert store.get_entry(leaf).usage is None

    session = AdvancedSQLiteSession(session_id="adv", db_path=advanced)
    run(session.switch_to_branch("alt"))
    run(session._update_turn_usage_internal(2, Usage(requests=1, input_tokens=7, output_tokens=1, total_tokens=8),
                                             branch_id="alt", turn_anchor=run(_anchor(session))))
    session.close()
    with threadtree.open(db_path) as store:
        (outcome,) = import_file(store, advanced).outcomes
        assert (outcome.status, outcome.added, outcome.changed) == ("updated", 0, 1)
        assert store.get_entry(store.get_thread("adv").current_leaf_id).usage["input_tokens"] == 7


async def _anchor(session):
    return (await asyncio.to_thread(session._capture_current_turn, "alt", 0))[2]


def test_what_cannot_be_mapped_is_reported_and_the_chain_goes_on(plain, store):
    """A row the SDK cannot read (not JSON) is skipped by the SDK's get_items: the import
    skips it too, says so, and chains the next item to the one before."""
    damaged = sqlite3.connect(plain)
    damaged.execute("update agent_messages set message_data = '{not json' where id = 3")
    damaged.commit()
    damaged.close()
    outcome = import_file(store, plain).outcomes[0]
    assert outcome.notes == ["item 3: message_data is not JSON (the SDK skips it too); not imported"]
    assert live_items(store, "chat") == sdk_items(plain)
    assert shape(store, "chat")[0]["4"][0] == "2"


def test_a_thread_that_has_the_session_id_already_is_left_alone(plain, store):
    store.create_thread("mine", thread_id="chat")
    outcome = import_file(store, plain).outcomes[0]
    assert outcome.thread_id != "chat" and store.entries("chat") == []
    assert outcome.notes == ["a thread 'chat' exists already (not imported from here); the import made a new one"]


def test_the_command_line_imports_in_a_real_process_and_leaves_the_file_alone(plain, advanced, tmp_path):
    db = tmp_path / "cli.db"
    for source in (plain, advanced):
        watch = Untouched(source)
        done = cli_import(db, source)
        assert done.returncode == 0, done.stderr
        assert "(openai-agents): " in done.stdout
        again = cli_import(db, source, "--format", "openai-agents")
        assert again.returncode == 0 and "0 imported, 0 updated" in again.stdout
        watch.check()


def test_sessions_are_read_in_id_order(plain):
    assert [c.source_id for c in reader.read(plain)] == ["chat", "other"]
