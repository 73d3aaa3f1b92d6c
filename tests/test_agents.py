"""threadtree.agents: the OpenAI Agents SDK session, driven by the real SDK with a scripted model.

No network: the model is tests/agent_model.py. Every run checks what the model was sent
against the session's live path.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("agents")

from agents import Agent, RunConfig, Runner, function_tool  # noqa: E402
from agents.memory import Session, SessionSettings  # noqa: E402

import threadtree  # noqa: E402
from threadtree import Conflict, InvalidInput, NotFound  # noqa: E402
from threadtree.agents import Branch, ThreadTreeSession, item_role, item_text  # noqa: E402

from .agent_model import RUN_CONFIG, ScriptedModel, make_agent, run_turn  # noqa: E402
from .helpers import WriteLock, logical_dump  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run(coro):
    return asyncio.run(coro)


def user(text):
    return {"role": "user", "content": text}


def reply(text):
    return {"role": "assistant", "content": [{"type": "output_text", "text": text, "annotations": []}],
            "type": "message", "status": "completed", "id": f"msg_{abs(hash(text))}"}


@pytest.fixture
def session(store):
    with ThreadTreeSession("chat", store) as session:
        yield session


def live_items(store, thread_id="chat"):
    return [entry.item for entry in store.path(thread_id)]


# -- packaging --

def test_importing_threadtree_never_imports_the_sdk():
    code = "import threadtree, sys; assert 'agents' not in sys.modules and 'openai' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_extras_name_the_sdk_version_tested():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'agents = ["openai-agents>=' in text
    assert text.count("openai-agents>=") == 2  # the agents extra and the test extra


# -- the Session protocol --

class TestProtocol:
    def test_a_session_is_an_sdk_session(self, session):
        assert isinstance(session, Session)
        assert session.session_id == "chat"
        assert isinstance(session.session_settings, SessionSettings) and session.session_settings.limit is None
        for name in ("get_items", "add_items", "pop_item", "clear_session"):
            assert inspect.iscoroutinefunction(getattr(session, name)), name
        assert list(inspect.signature(session.get_items).parameters) == ["limit"]

    def test_items_come_back_exactly_as_added_in_order(self, session):
        items = [
            user("こんにちは 😊"),
            reply("O'Reilly; DROP TABLE entries;--"),
            {"type": "function_call", "name": "add", "arguments": '{"a": 1}', "call_id": "c1", "id": "fc_1"},
            {"type": "function_call_output", "call_id": "c1", "output": "2"},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "think"}]},
            {"role": "user", "content": [{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "x"}]},
        ]
        run(session.add_items(items))
        got = run(session.get_items())
        assert got == items
        assert [list(item) for item in got] == [list(item) for item in items]  # key order too

    def test_one_add_items_is_one_transaction_and_one_chain(self, session, store):
        run(session.add_items([user("a"), reply("b"), user("c")]))
        run(session.add_items([reply("d")]))
        moves = store.leaf_history("chat")
        assert [m.reason for m in moves] == ["extend", "extend"]
        assert [e.depth for e in store.path("chat")] == [0, 1, 2, 3]

    def test_pop_returns_the_latest_items_one_by_one_then_none(self, session):
        assert run(session.pop_item()) is None
        items = [user("Hello"), reply("Hi there!"), user("How are you?")]
        run(session.add_items(items))
        assert run(session.pop_item()) == items[2]
        assert run(session.get_items()) == items[:2]
        assert run(session.pop_item()) == items[1]
        assert run(session.pop_item()) == items[0]
        assert run(session.pop_item()) is None
        assert run(session.get_items()) == []

    def test_clear_empties_the_session(self, session):
        run(session.add_items([user("Hello"), reply("Hi")]))
        run(session.clear_session())
        assert run(session.get_items()) == []
        run(session.add_items([user("again")]))
        assert run(session.get_items()) == [user("again")]

    @pytest.mark.parametrize("limit, expected", [
        (None, 6), (2, 2), (4, 4), (10, 6), (0, 0), (-1, 6),
    ])
    def test_limit_gives_the_latest_items_in_order(self, session, limit, expected):
        items = [user(f"Message {k}") for k in range(6)]
        run(session.add_items(items))
        assert run(session.get_items(limit=limit)) == items[len(items) - expected:]

    def test_session_settings_limit_is_the_default_and_an_explicit_limit_wins(self, store):
        items = [user(f"Message {k}") for k in range(5)]
        with ThreadTreeSession("chat", store, session_settings=SessionSettings(limit=3)) as session:
            run(session.add_items(items))
            assert run(session.get_items()) == items[2:]
            assert run(session.get_items(limit=1)) == items[4:]
        with ThreadTreeSession("chat", store, session_settings={"limit": 2}) as session:
            assert run(session.get_items()) == items[3:]

    def test_sessions_of_one_file_are_separate(self, store):
        with ThreadTreeSession("one", store) as one, ThreadTreeSession("two", store) as two:
            run(one.add_items([user("Session 1")]))
            run(two.add_items([user("Session 2 a"), user("Session 2 b")]))
            assert run(two.pop_item()) == user("Session 2 b")
            assert run(one.get_items()) == [user("Session 1")]
            assert run(two.get_items()) == [user("Session 2 a")]

    def test_adds_from_many_threads_all_arrive(self, session):
        def add(k):
            asyncio.run(session.add_items([user(f"Message {k}")]))

        workers = [threading.Thread(target=add, args=(k,)) for k in range(10)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        got = run(session.get_items())
        assert sorted(item["content"] for item in got) == sorted(f"Message {k}" for k in range(10))

    def test_the_runner_sends_history_then_the_new_list_input(self, session):
        history = [user("Earlier message"), reply("Saved reply")]
        run(session.add_items(history))
        model = ScriptedModel()
        run(Runner.run(make_agent(model), [user("Test message")], session=session, run_config=RUN_CONFIG))
        assert model.inputs[0] == history + [user("Test message")]

    def test_run_config_session_settings_override_the_sessions(self, store):
        with ThreadTreeSession("chat", store, session_settings=SessionSettings(limit=100)) as session:
            run(session.add_items([user(f"Turn {k}") for k in range(10)]))
            model = ScriptedModel()
            config = RunConfig(tracing_disabled=True, session_settings=SessionSettings(limit=2))
            run(Runner.run(make_agent(model), "New question", session=session, run_config=config))
            assert model.inputs[0] == [user("Turn 8"), user("Turn 9"), user("New question")]

    def test_a_session_input_callback_sees_the_history(self, session):
        history = [user("Hello there."), reply("Hi, I'm here to assist you.")]
        run(session.add_items(history))
        model = ScriptedModel()
        config = RunConfig(
            tracing_disabled=True,
            session_input_callback=lambda old, new: [i for i in old if i.get("role") == "user"] + new,
        )
        run(Runner.run(make_agent(model), [user("What's your name?")], session=session, run_config=config))
        assert model.inputs[0] == [history[0], user("What's your name?")]


# -- items as entries --

ITEMS = [
    pytest.param(user("Hello"), "user", "Hello", id="user-string"),
    pytest.param({"role": "system", "content": "Be brief."}, "system", "Be brief.", id="system"),
    pytest.param(reply("Lisbon."), "assistant", "Lisbon.", id="assistant-parts"),
    pytest.param({"role": "user", "content": [{"type": "input_text", "text": "see"},
                                              {"type": "input_file", "filename": "a.pdf"}]},
                 "user", "see\n[input_file: a.pdf]", id="user-file"),
    pytest.param({"role": "assistant", "type": "message", "content": [{"type": "refusal", "refusal": "No."}]},
                 "assistant", "No.", id="refusal"),
    pytest.param({"type": "function_call", "name": "add", "arguments": '{"a": 2}', "call_id": "c"},
                 "assistant", 'add({"a": 2})', id="function-call"),
    pytest.param({"type": "function_call_output", "call_id": "c", "output": "4"}, "tool", "4", id="function-output"),
    pytest.param({"type": "function_call_output", "call_id": "c", "output": [{"type": "input_text", "text": "4"}]},
                 "tool", "4", id="function-output-parts"),
    pytest.param({"type": "reasoning", "id": "rs", "summary": [{"type": "summary_text", "text": "Sum it."}]},
                 "assistant", "Sum it.", id="reasoning"),
    pytest.param({"type": "computer_call_output", "call_id": "c",
                  "output": {"type": "computer_screenshot", "image_url": "u"}},
                 "tool", '{"type":"computer_screenshot","image_url":"u"}', id="computer-output"),
    pytest.param({"type": "mcp_approval_response", "approval_request_id": "r", "approve": True},
                 "user", "[mcp_approval_response]", id="approval"),
    pytest.param({"type": "web_search_call", "id": "ws", "status": "completed"},
                 "assistant", "[web_search_call]", id="web-search"),
]


@pytest.mark.parametrize("item, role, content", ITEMS)
def test_an_item_is_one_entry_with_its_role_text_and_the_item_itself(session, store, item, role, content):
    assert (item_role(item), item_text(item)) == (role, content)
    run(session.add_items([item]))
    (entry,) = store.path("chat")
    assert (entry.role, entry.content, entry.item) == (role, content, item)


BAD_ITEMS = [
    pytest.param([user("ok"), "not a dict"], "items\\[1\\]", id="not-a-dict"),
    pytest.param([{"role": "user", "content": float("nan")}], "items\\[0\\]", id="nan"),
    pytest.param([{"role": "user", "content": "\ud800"}], "items\\[0\\]", id="lone-surrogate"),
]


@pytest.mark.parametrize("items, field", BAD_ITEMS)
def test_a_bad_item_names_its_index_and_writes_nothing(session, store, db_path, items, field):
    run(session.add_items([user("before")]))
    before = logical_dump(db_path)
    with pytest.raises(InvalidInput, match=field):
        run(session.add_items(items))
    assert logical_dump(db_path) == before


def test_the_thread_is_created_on_the_first_add_and_reads_before_it_write_nothing(store, db_path):
    before = logical_dump(db_path)
    with ThreadTreeSession("new", store, title="Fresh chat") as session:
        assert run(session.get_items()) == []
        assert run(session.pop_item()) is None
        assert run(session.branches()) == []
        assert run(session.current_leaf_id()) is None
        run(session.clear_session())
        assert logical_dump(db_path) == before
        run(session.add_items([user("hi")]))
    assert store.get_thread("new").title == "Fresh chat"


def test_a_thread_written_by_other_means_reads_as_role_and_content(session, store):
    store.create_thread(thread_id="chat")
    store.append("chat", "system", "Be brief.", hidden=True)
    store.append("chat", "user", "Imported question")
    assert run(session.get_items()) == [user("Imported question")]
    assert run(session.pop_item()) == user("Imported question")
    assert [e.content for e in store.path("chat")] == ["Be brief."]  # the hidden prompt stays
    assert run(session.pop_item()) is None



def test_a_thread_another_session_creates_meanwhile_takes_the_items(session, store, monkeypatch):
    """Between this session's write finding no thread and its look for one, another session
    created it (seen once on PostgreSQL, two processes): the items go in, no NotFound."""
    real, calls = type(store).extend, []

    def extend(self, thread_id, messages, **options):
        calls.append(thread_id)
        if len(calls) == 1:
            self.create_thread(thread_id=thread_id)  # the other session, just after our look
            raise NotFound(f"thread {thread_id!r} does not exist")
        return real(self, thread_id, messages, **options)

    monkeypatch.setattr(type(store), "extend", extend)
    run(session.add_items([user("hi")]))
    assert live_items(store) == [user("hi")] and calls == ["chat", "chat"]


# -- nothing is destroyed --

class TestKeepingHistory:
    def test_pop_keeps_the_entry_as_a_branch_and_redo_brings_it_back(self, session, store):
        items = [user("q"), reply("a")]
        run(session.add_items(items))
        assert run(session.pop_item()) == items[1]
        assert len(store.entries("chat")) == 2
        assert store.leaf_history("chat", limit=1)[0].reason == "pop"
        entry = run(session.redo())
        assert entry.item == items[1]
        assert run(session.get_items()) == items
        assert run(session.redo()) is None

    def test_clear_keeps_every_entry_and_purge_deletes_the_thread(self, session, store):
        run(session.add_items([user("q"), reply("a")]))
        run(session.clear_session())
        assert store.get_thread("chat").current_leaf_id is None
        assert len(store.entries("chat")) == 2
        assert store.leaf_history("chat", limit=1)[0].reason == "clear"
        assert [b.preview for b in run(session.branches())] == ["a"]
        run(session.clear_session(purge=True))
        with pytest.raises(NotFound):
            store.get_thread("chat")
        assert run(session.get_items()) == []

    def test_redo_after_clear_brings_the_path_back(self, session):
        run(session.add_items([user("q")]))
        run(session.clear_session())
        assert run(session.redo()) is not None


# -- branching --

class TestBranching:
    @pytest.fixture
    def six(self, session):
        items = [user("q1"), reply("a1"), user("q2"), reply("a2"), user("q3"), reply("a3")]
        run(session.add_items(items))
        return items

    @pytest.mark.parametrize("index, kept", [(0, 1), (1, 2), (4, 5), (5, 6), (-1, 6), (-6, 1)])
    def test_fork_at_ends_the_live_path_at_that_item(self, session, store, six, index, kept):
        entry = run(session.fork_at(index))
        assert entry.item == six[kept - 1]
        assert run(session.get_items()) == six[:kept]
        run(session.add_items([user("new")]))
        assert run(session.get_items()) == six[:kept] + [user("new")]
        assert len(store.entries("chat")) == 7  # nothing copied, nothing lost

    @pytest.mark.parametrize("index", [6, -7])
    def test_fork_at_an_index_out_of_range_moves_nothing(self, session, store, six, index):
        leaf = store.get_thread("chat").current_leaf_id
        with pytest.raises(InvalidInput, match="item_index"):
            run(session.fork_at(index))
        assert store.get_thread("chat").current_leaf_id == leaf

    def test_fork_at_on_a_fresh_session_reads_the_path_first(self, store, six):
        with ThreadTreeSession("chat", store) as fresh:
            assert run(fresh.fork_at(1)).item == six[1]
        assert [e.item for e in store.path("chat")] == six[:2]

    @pytest.mark.parametrize("move", ["fork_at", "rewind"])
    def test_a_fresh_session_moving_from_the_end_reads_only_the_last_items(self, store, six, move):
        """fork_at(-k) and rewind(k) without a prior read cost the same at any depth: the
        session reads the last k entries of the live path, not all of it (issue 20)."""
        limits = []

        def trace(cursor, sql, bindings):
            if "with recursive chain" in sql and isinstance(bindings, dict) and "limit" in bindings:
                limits.append(bindings["limit"])
            return True

        conn = threadtree.store.database_of(store).engine().connection
        conn.exec_trace = trace
        try:
            with ThreadTreeSession("chat", store) as fresh:
                entry = run(fresh.fork_at(-2) if move == "fork_at" else fresh.rewind(2))
                kept = 5 if move == "fork_at" else 4
                assert run(fresh.get_items()) == six[:kept]
        finally:
            conn.exec_trace = None
        assert entry.item == six[kept - 1]
        assert limits[0] == 2, limits  # the move's own read; get_items reads the whole path after

    def test_a_fresh_session_moving_past_hidden_entries_reads_enough(self, store, six):
        """Hidden entries are left out of the items but count in a read's limit: a tail
        that holds too few visible items is read again, whole."""
        store.append("chat", "system", "note", hidden=True)
        with ThreadTreeSession("chat", store) as fresh:
            assert run(fresh.fork_at(-2)).item == six[-2]
        with ThreadTreeSession("chat", store) as fresh:
            with pytest.raises(InvalidInput, match="has 5 items"):
                run(fresh.rewind(6))
            assert run(fresh.rewind(5)) is None

    def test_fork_at_after_another_writer_moved_the_thread_uses_the_new_path(self, session, store, six):
        run(session.get_items())
        with ThreadTreeSession("chat", store) as other:
            run(other.pop_item())
            run(other.add_items([user("other")]))
        entry = run(session.fork_at(-1))
        assert entry.item == user("other")
        assert live_items(store) == six[:5] + [user("other")]

    def test_fork_by_entry_id_reaches_any_entry_of_any_branch(self, session, store, six):
        run(session.fork_at(1))
        run(session.add_items([user("side")]))
        old_branch_q3 = store.path_to(store.leaves("chat")[0].id)[4]
        assert run(session.fork(old_branch_q3.id)).item == six[4]
        assert run(session.get_items()) == six[:5]

    def test_fork_of_an_entry_of_another_thread_is_refused(self, session, store, six):
        store.create_thread(thread_id="other")
        stranger = store.append("other", "user", "x")
        with pytest.raises(InvalidInput, match="another|belongs"):
            run(session.fork(stranger.id))
        with pytest.raises(NotFound):
            run(session.fork(10_000))

    def test_rewind_goes_back_steps_and_redo_walks_forward_again(self, session, store, six):
        assert run(session.rewind()).item == six[4]
        assert run(session.rewind(3)).item == six[1]
        assert run(session.get_items()) == six[:2]
        assert [run(session.redo()).item for _ in range(4)] == six[2:]
        assert run(session.redo()) is None
        assert run(session.rewind(6)) is None
        assert run(session.get_items()) == []
        with pytest.raises(InvalidInput, match="steps"):
            run(session.rewind(1))
        with pytest.raises(InvalidInput, match="steps"):
            run(session.rewind(0))

    def test_switch_goes_to_a_branch_tip_and_branches_say_which_is_live(self, session, store, six):
        first_tip = store.get_thread("chat").current_leaf_id
        run(session.fork_at(1))
        run(session.add_items([user("q2'"), reply("a2'")]))
        branches = run(session.branches())
        assert all(isinstance(b, Branch) for b in branches)
        assert [(b.leaf_id == first_tip, b.length, b.preview, b.live) for b in branches] == [
            (True, 6, "a3", False), (False, 4, "a2'", True),
        ]
        assert run(session.switch(first_tip)).item == six[5]
        assert run(session.get_items()) == six
        assert store.leaf_history("chat", limit=1)[0].reason == "switch"
        assert [b.live for b in run(session.branches())] == [True, False]
        with pytest.raises(InvalidInput, match="not a branch tip"):
            run(session.switch(store.path("chat")[2].id))

    def test_every_move_is_in_the_leaf_history(self, session, store, six):
        run(session.pop_item())
        run(session.fork_at(0))
        run(session.redo())
        tip = store.leaves("chat")[0].id
        run(session.switch(tip))
        run(session.clear_session())
        reasons = [m.reason for m in store.leaf_history("chat")]
        assert reasons == ["clear", "switch", "redo", "rewind", "pop", "extend"]


# -- turn order --

class TestStrictTurnOrder:
    def test_expected_leaf_id_refuses_a_stale_add_and_writes_nothing(self, session, store, db_path):
        run(session.add_items([user("q")]))
        leaf = run(session.current_leaf_id())
        run(session.add_items([reply("a")]))
        before = logical_dump(db_path)
        with pytest.raises(Conflict):
            run(session.add_items([user("late")], expected_leaf_id=leaf))
        assert logical_dump(db_path) == before
        run(session.add_items([user("next")], expected_leaf_id=run(session.current_leaf_id())))

    def test_a_strict_session_never_writes_on_top_of_what_it_has_not_seen(self, store):
        with ThreadTreeSession("chat", store, strict=True) as mine, ThreadTreeSession("chat", store) as other:
            run(mine.add_items([user("q")]))
            run(other.add_items([reply("someone else")]))
            for call in (mine.add_items([user("mine")]), mine.pop_item(), mine.fork_at(0), mine.rewind(),
                         mine.clear_session()):
                with pytest.raises(Conflict):
                    run(call)
            assert live_items(store) == [user("q"), reply("someone else")]
            assert run(mine.get_items()) == live_items(store)  # a read catches up
            run(mine.add_items([user("mine")]))
        assert live_items(store)[-1] == user("mine")

    @pytest.mark.parametrize("strict", [True, False])
    def test_a_runner_turn_another_writer_got_into_fails_only_when_strict(self, store, strict):
        @function_tool
        def add(a: int, b: int) -> int:
            """Add two integers (while someone else writes to the thread)."""
            store.append("chat", "user", "interloper", item=user("interloper"))
            return a + b

        agent = Agent(name="calculator", model=ScriptedModel(), tools=[add])
        with ThreadTreeSession("chat", store, strict=strict) as session:
            if strict:
                with pytest.raises(Conflict):
                    run(run_turn(agent, session, "add 1 and 2"))
                assert live_items(store) == [user("add 1 and 2"), user("interloper")]
            else:
                run(run_turn(agent, session, "add 1 and 2"))
                kinds = [item.get("type", item.get("role")) for item in live_items(store)]
                assert kinds == ["user", "user", "function_call", "function_call_output", "message"]


# -- the event loop --

def test_a_write_waiting_for_another_writer_leaves_the_event_loop_free(session, db_path):
    run(session.add_items([user("q")]))
    blocker = WriteLock(db_path)
    release = threading.Timer(0.5, blocker.release)

    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.ensure_future(ticker())
        started = time.perf_counter()
        release.start()
        await session.add_items([reply("a")])
        waited = time.perf_counter() - started
        ticking.cancel()
        return ticks, waited

    try:
        ticks, waited = run(scenario())
    finally:
        release.join()
        blocker.close()
    assert waited >= 0.4
    assert ticks >= 20, f"the loop ticked {ticks} times in {waited:.2f} s"
    assert run(session.get_items())[-1] == reply("a")


def test_a_cancelled_add_still_finishes_its_write_before_the_cancellation_arrives(session, db_path):
    blocker = WriteLock(db_path)
    release = threading.Timer(0.3, blocker.release)

    async def scenario():
        task = asyncio.ensure_future(session.add_items([user("q")]))
        await asyncio.sleep(0.05)
        task.cancel()
        release.start()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.perf_counter()

    try:
        run(scenario())
    finally:
        release.join()
        blocker.close()
    assert run(session.get_items()) == [user("q")]  # written, and visible at once


# -- stores --

def test_a_session_closes_the_store_it_opened_but_not_one_it_was_given(tmp_path, store, monkeypatch):
    path = tmp_path / "own.db"
    with ThreadTreeSession("chat", path) as own:
        run(own.add_items([user("q")]))
        opened = own.store
    with pytest.raises(threadtree.ThreadTreeError, match="closed"):
        opened.path("chat")
    with pytest.raises(RuntimeError, match="closed"):
        run(own.get_items())

    async def borrowed():
        async with ThreadTreeSession("chat", store) as session:
            await session.add_items([user("q")])

    run(borrowed())
    assert store.path("chat")[0].item == user("q")

    monkeypatch.setenv("THREADTREE_DB", str(tmp_path / "default.db"))
    with ThreadTreeSession("chat") as default:
        assert default.store.filename == str(tmp_path / "default.db")


# Valid arguments for every public coroutine method of the session; the test checks that
# the list is complete, so a new method cannot escape it.
CALLS_ON_A_CLOSED_SESSION = {
    "get_items": [(), (0,), (None,), (3,)],
    "add_items": [([],), ([user("q")],)],
    "pop_item": [()], "clear_session": [()], "fork_at": [(0,)], "fork": [(1,)], "rewind": [()],
    "redo": [()], "switch": [(1,)], "branches": [()], "path": [()], "current_leaf_id": [()],
}


def test_every_call_on_a_closed_session_raises_runtime_error(store):
    """As the SDK's sessions do, even for a call with nothing to do (add_items([]),
    get_items(limit=0)); and nothing is written."""
    public = {name for name, fn in inspect.getmembers(ThreadTreeSession, inspect.iscoroutinefunction)
              if not name.startswith("_")}
    assert public == set(CALLS_ON_A_CLOSED_SESSION)
    session = ThreadTreeSession("chat", store)
    run(session.add_items([user("q")]))
    session.close()
    for name, calls in CALLS_ON_A_CLOSED_SESSION.items():
        for args in calls:
            with pytest.raises(RuntimeError, match="session 'chat' is closed"):
                run(getattr(session, name)(*args))
    assert live_items(store) == [user("q")]
    session.close()  # closing twice is harmless


@pytest.mark.parametrize("kwargs, field", [
    ({"thread_id": ""}, "thread_id"),
    ({"store": 3}, "store"),
    ({"strict": "yes"}, "strict"),
    ({"session_settings": 5}, "session_settings"),
    # The SDK's SessionSettings drops an unknown key: a misspelt limit would give every item.
    ({"session_settings": {"limitt": 1}}, "unknown settings: 'limitt'"),
    ({"session_settings": {"limit": "x"}}, "session_settings"),
])
def test_bad_session_arguments_name_the_field(store, kwargs, field):
    args = {"thread_id": "chat", "store": store} | kwargs
    with pytest.raises(InvalidInput, match=field):
        ThreadTreeSession(args.pop("thread_id"), **args)


# -- agents running for real --

def _subprocess(db_path, thread_id, commands):
    """Run commands in a new process on the same file: ``run:TEXT``, ``redo``, ``items``,
    ``rewind:N``. Prints one JSON list: each command's result, plus the model's inputs."""
    code = f"""
import asyncio, json, sys
from tests.agent_model import ScriptedModel, make_agent, run_turn
from threadtree.agents import ThreadTreeSession

async def main():
    model = ScriptedModel()
    agent = make_agent(model)
    out = []
    with ThreadTreeSession({thread_id!r}, {str(db_path)!r}) as session:
        for command in {commands!r}:
            name, _, arg = command.partition(":")
            if name == "run":
                result, inputs = await run_turn(agent, session, arg)
                out.append({{"final": result.final_output, "inputs": inputs}})
            elif name == "redo":
                entry = await session.redo()
                out.append(None if entry is None else entry.item)
            elif name == "rewind":
                entry = await session.rewind(int(arg))
                out.append(None if entry is None else entry.item)
            elif name == "items":
                out.append(await session.get_items())
    print(json.dumps(out))

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _check_turn(before, after, inputs, text):
    """The model was sent the live path exactly: the history, then the new message, then
    each step of the turn as the session stored it."""
    assert inputs[0] == before + [user(text)]
    for sent in inputs:
        assert after[: len(sent)] == sent
    assert len(after) > len(inputs[-1])  # the final answer came after the last input


@pytest.mark.slow
def test_agents_fork_rewind_redo_switch_and_continue_in_a_new_process(db_path):
    model = ScriptedModel()
    agent = make_agent(model)

    async def scenario():
        async with ThreadTreeSession("trip", db_path) as session:
            history = []
            for text in ("Hello", "Please add 2 and 3", "Thanks"):
                result, inputs = await run_turn(agent, session, text)
                after = await session.get_items()
                _check_turn(history, after, inputs, text)
                history = after
            assert result.final_output == "You said: Thanks"
            assert [i.get("type") for i in history[2:6]] == [None, "function_call", "function_call_output", "message"]
            main_branch = history

            # Fork at the first answer (an assistant reply) and take another road.
            await session.fork_at(1)
            result, inputs = await run_turn(agent, session, "Please add 40 and 2")
            assert result.final_output == "The sum is 42."
            fork_branch = await session.get_items()
            _check_turn(main_branch[:2], fork_branch, inputs, "Please add 40 and 2")

            # Rewind to before the tool call, redo one step, and ask again from there.
            await session.rewind(3)
            assert await session.get_items() == fork_branch[:3]
            assert (await session.redo()).item == fork_branch[3]
            assert await session.get_items() == fork_branch[:4]
            await session.switch(next(b.leaf_id for b in await session.branches() if b.length == len(main_branch)))
            assert await session.get_items() == main_branch
            result, inputs = await run_turn(agent, session, "Back on the main road")
            _check_turn(main_branch, await session.get_items(), inputs, "Back on the main road")
            main_branch = await session.get_items()
            await session.rewind(2)  # the new process may redo this
            return main_branch, fork_branch

    main_branch, fork_branch = run(scenario())
    with threadtree.open(db_path) as store:
        assert store.check() == []
        assert len(store.leaves("trip")) == 2
        assert sum(1 for _ in store.entries("trip")) == len(main_branch) + len(fork_branch) - 2

    # A new process continues on the same branch: it redoes what this one rewound, then runs.
    redone_1, redone_2, nothing, items, turn = _subprocess(
        db_path, "trip", ["redo", "redo", "redo", "items", "run:One more"]
    )
    assert [redone_1, redone_2, nothing] == [main_branch[-2], main_branch[-1], None]
    assert items == main_branch
    assert turn["final"] == "You said: One more"
    assert turn["inputs"] == [main_branch + [user("One more")]]
    with threadtree.open(db_path) as store:
        assert [e.item for e in store.path("trip")][:-1] == main_branch + [user("One more")]


_WORKER = """
import asyncio, os, sys
from tests.agent_model import ScriptedModel, make_agent, run_turn
from threadtree import Conflict
from threadtree.agents import ThreadTreeSession

mode, db, turns = sys.argv[1], sys.argv[2], int(sys.argv[3])
name = f"w{os.getpid()}"

async def main():
    agent = make_agent(ScriptedModel())
    with ThreadTreeSession("shared", db, strict=(mode == "counter")) as session:
        for k in range(turns):
            if mode == "agents":
                await run_turn(agent, session, f"{name} asks add {k} and {k}")
            else:  # a read-modify-write: the next number is the length of the path
                while True:
                    n = len(await session.get_items())
                    try:
                        await session.add_items([{"role": "user", "content": str(n)}])
                        break
                    except Conflict:
                        pass

asyncio.run(main())
"""


def _workers(db_path, mode, turns, count=2):
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, mode, str(db_path), str(turns)], cwd=ROOT,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


@pytest.mark.slow
def test_two_processes_running_agents_on_one_thread_never_corrupt_it(db_path):
    threadtree.open(db_path).close()
    _workers(db_path, "agents", 8)
    with threadtree.open(db_path) as store:
        assert store.check() == []
        entries = store.entries("shared")
        assert len(entries) == 2 * 8 * 4  # question, tool call, tool output, answer per turn
        assert [e.id for e in store.path("shared")] == [e.id for e in entries]  # one chain
        asks = [e.content for e in entries if e.role == "user"]
        assert len(set(asks)) == 16


@pytest.mark.slow
def test_strict_sessions_in_two_processes_lose_no_update(db_path):
    """A read-modify-write in both processes: every item's number is its index only if no
    write ever landed on a leaf its writer had not read."""
    threadtree.open(db_path).close()
    _workers(db_path, "counter", 25)
    with threadtree.open(db_path) as store:
        assert store.check() == []
        assert [e.content for e in store.path("shared")] == [str(k) for k in range(50)]
