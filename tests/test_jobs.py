"""Jobs (upsert_job, get_job, list_jobs, delete_job) and per-thread tools (set_tools, get_tools)."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import apsw
import pytest

import threadtree
from threadtree import InvalidInput, Job, NotFound, ThreadTreeError

from .helpers import connect, constraint_error, logical_dump


def _rows(db_path, sql, params=()):
    conn = connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _set_times(db_path, table, times):
    """Give rows chosen times (``{id: updated_at}``) behind the store's back: clocks are too
    coarse on some systems for ordering tests to rely on."""
    conn = connect(db_path)
    try:
        for key, when in times.items():
            conn.execute(
                f"update {table} set created_at = case when created_at < ? then created_at else ? end,"
                " updated_at = ? where id = ?",
                (when, when, when, key),
            )
    finally:
        conn.close()


# -- jobs --


class TestUpsertJob:
    def test_a_new_job_is_stored_and_returned(self, store):
        job = store.upsert_job("j1", "Index the docs", "queued")
        assert isinstance(job, Job)
        assert (job.job_id, job.name, job.status, job.progress, job.detail) == ("j1", "Index the docs", "queued", None, None)
        assert job.created_at == job.updated_at
        assert store.get_job("j1") == job

    def test_a_second_upsert_replaces_the_job_and_keeps_created_at(self, store):
        first = store.upsert_job("j1", "Index", "running", progress=10, detail={"step": "scan"})
        second = store.upsert_job("j1", "Index again", "failed", detail="disk full")
        assert (second.name, second.status, second.detail) == ("Index again", "failed", "disk full")
        assert second.progress is None, "an upsert states the whole job: progress left out is cleared"
        assert second.created_at == first.created_at
        assert second.updated_at >= first.updated_at
        assert store.get_job("j1") == second
        assert len(store.list_jobs()) == 1

    @pytest.mark.parametrize("progress", [0, 0.0, 37, 37.5, 100, 100.0, 1e-300])
    def test_progress_from_0_to_100_is_kept_as_a_float(self, store, progress):
        job = store.upsert_job("j", "n", "running", progress=progress)
        assert job.progress == progress and isinstance(job.progress, float)
        assert store.get_job("j").progress == progress

    @pytest.mark.parametrize(
        "detail",
        ["text", 0, 1.5, True, [1, "two", None], {"error": {"code": 7, "lines": ["a", "b"]}}, "ünï\x00cödé", {}],
    )
    def test_detail_is_any_json_value(self, store, detail):
        assert store.upsert_job("j", "n", "completed", detail=detail).detail == detail
        assert store.get_job("j").detail == detail

    def test_every_status_is_accepted_and_any_may_follow_any(self, store):
        for status in ["completed", "queued", "running", "cancelled", "running", "failed", "queued"]:
            assert store.upsert_job("j", "n", status).status == status

    def test_the_detail_given_is_not_the_detail_returned(self, store):
        detail = {"files": [1, 2]}
        job = store.upsert_job("j", "n", "running", detail=detail)
        detail["files"].append(3)
        assert job.detail == {"files": [1, 2]} == store.get_job("j").detail

    def test_jobs_belong_to_no_thread_and_survive_thread_deletion(self, store, thread):
        store.upsert_job("j", "n", "running")
        store.delete_thread(thread.id)
        assert store.get_job("j").status == "running"


BAD_UPSERTS = [
    pytest.param({"job_id": ""}, "job_id must be a non-empty string", id="empty-id"),
    pytest.param({"job_id": 7}, "job_id must be a string", id="id-int"),
    pytest.param({"job_id": None}, "job_id must be a string", id="id-none"),
    pytest.param({"name": " "}, "name must be a non-empty string", id="blank-name"),
    pytest.param({"name": "\ud800"}, "name is not valid Unicode", id="name-surrogate"),
    pytest.param({"status": "done"}, "status must be one of 'queued', 'running', 'completed', 'failed', 'cancelled', not 'done'", id="unknown-status"),
    pytest.param({"status": "RUNNING"}, "status must be one of", id="status-case"),
    pytest.param({"status": None}, "status must be one of", id="status-none"),
    pytest.param({"progress": -1}, "progress must be a number from 0 to 100, not -1", id="progress-negative"),
    pytest.param({"progress": 100.5}, "progress must be a number from 0 to 100, not 100.5", id="progress-over"),
    pytest.param({"progress": 10**400}, "progress must be a number from 0 to 100", id="progress-huge-int"),
    pytest.param({"progress": float("nan")}, "progress must be a number from 0 to 100, not nan", id="progress-nan"),
    pytest.param({"progress": float("inf")}, "progress must be a number from 0 to 100, not inf", id="progress-inf"),
    pytest.param({"progress": True}, "progress must be a number from 0 to 100 or None, not bool", id="progress-bool"),
    pytest.param({"progress": "50"}, "progress must be a number from 0 to 100 or None, not str", id="progress-str"),
    pytest.param({"detail": float("nan")}, "detail cannot be stored exactly as JSON", id="detail-nan"),
    pytest.param({"detail": {"a": (1, 2)}}, r"detail\['a'\] cannot be stored exactly as JSON", id="detail-tuple"),
    pytest.param({"detail": {1: "x"}}, "detail cannot be stored as JSON", id="detail-int-key"),
    pytest.param({"detail": {1, 2}}, "detail cannot be stored as JSON", id="detail-set"),
]


@pytest.mark.parametrize("override, message", BAD_UPSERTS)
@pytest.mark.parametrize("existing", [False, True], ids=["new-job", "existing-job"])
def test_a_bad_upsert_names_the_field_and_writes_nothing(store, db_path, override, message, existing):
    if existing:
        store.upsert_job("j", "before", "running", progress=5, detail={"kept": True})
    before = logical_dump(db_path)
    args = {"job_id": "j", "name": "n", "status": "running"} | override
    with pytest.raises(InvalidInput, match=message):
        store.upsert_job(args.pop("job_id"), args.pop("name"), args.pop("status"), **args)
    assert logical_dump(db_path) == before


def test_a_detail_over_max_size_is_refused(tmp_path):
    with threadtree.open(tmp_path / "small.db", max_size=100) as store:
        store.upsert_job("j", "n", "running", detail="x" * 90)
        with pytest.raises(InvalidInput, match="detail is 203 bytes of JSON, more than the store's max_size of 100"):
            store.upsert_job("j", "n", "running", detail="x" * 201)
        assert store.get_job("j").detail == "x" * 90


class TestReadingJobs:
    def test_an_unknown_job_is_not_found(self, store):
        with pytest.raises(NotFound, match="job 'nope' does not exist"):
            store.get_job("nope")

    def test_get_job_checks_the_id(self, store):
        with pytest.raises(InvalidInput, match="job_id must be a string"):
            store.get_job(3)

    def test_list_jobs_gives_the_most_recently_updated_first(self, store, db_path):
        for job_id in ["a", "b", "c", "d"]:
            store.upsert_job(job_id, job_id.upper(), "queued")
        _set_times(db_path, "jobs", {"a": 30.0, "b": 10.0, "c": 20.0, "d": 20.0})
        assert [j.job_id for j in store.list_jobs()] == ["a", "d", "c", "b"]  # ties: id, descending
        store.upsert_job("b", "B", "running")  # now the newest
        assert [j.job_id for j in store.list_jobs()] == ["b", "a", "d", "c"]

    def test_list_jobs_limit(self, store):
        for k in range(5):
            store.upsert_job(f"j{k}", "n", "queued")
        assert len(store.list_jobs(limit=2)) == 2
        assert len(store.list_jobs(limit=None)) == 5
        assert store.list_jobs(limit=2) == store.list_jobs()[:2]

    def test_list_jobs_default_limit_is_100(self, store):
        for k in range(101):
            store.upsert_job(f"j{k}", "n", "queued")
        assert len(store.list_jobs()) == 100

    @pytest.mark.parametrize("limit, message", [(0, "limit must be at least 1"), ("5", "limit must be an int or None"), (True, "limit must be an int or None")])
    def test_a_bad_limit_is_refused(self, store, limit, message):
        with pytest.raises(InvalidInput, match=message):
            store.list_jobs(limit=limit)

    def test_no_jobs(self, store):
        assert store.list_jobs() == []


class TestDeleteJob:
    def test_the_job_goes_and_the_others_stay(self, store):
        store.upsert_job("a", "n", "queued")
        store.upsert_job("b", "n", "queued")
        assert store.delete_job("a") is None
        with pytest.raises(NotFound):
            store.get_job("a")
        assert [j.job_id for j in store.list_jobs()] == ["b"]

    def test_an_unknown_job_is_not_found_and_nothing_changes(self, store, db_path):
        store.upsert_job("a", "n", "queued")
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="job 'nope' does not exist"):
            store.delete_job("nope")
        assert logical_dump(db_path) == before

    def test_a_deleted_id_can_be_used_again_as_a_new_job(self, store, db_path):
        store.upsert_job("a", "n", "queued")
        _set_times(db_path, "jobs", {"a": 5.0})
        store.delete_job("a")
        again = store.upsert_job("a", "m", "running")
        assert again.created_at > 5.0 and again.name == "m"


class TestJobRulesInTheDatabase:
    """A plain connection, bypassing threadtree, cannot store a job threadtree would refuse."""

    @pytest.mark.parametrize(
        "values",
        [
            pytest.param(("", "n", "queued", None), id="empty-id"),
            pytest.param(("j", "", "queued", None), id="empty-name"),
            pytest.param(("j", "n", "done", None), id="unknown-status"),
            pytest.param(("j", "n", "queued", 101), id="progress-over"),
            pytest.param(("j", "n", "queued", -0.5), id="progress-negative"),
            pytest.param(("j", "n", "queued", "half"), id="progress-text"),
            pytest.param(("j", None, "queued", None), id="null-name"),
        ],
    )
    def test_refused(self, store, db_path, values):
        conn = connect(db_path)
        try:
            with pytest.raises(constraint_error(db_path)):
                conn.execute("insert into jobs (id, name, status, progress, created_at, updated_at) values (?, ?, ?, ?, 0, 0)", values)
        finally:
            conn.close()

    def test_a_valid_raw_job_is_read_back(self, store, db_path):
        conn = connect(db_path)
        conn.execute("insert into jobs (id, name, status, progress, detail, created_at, updated_at) values ('raw', 'n', 'running', 50, '[1]', 1, 2)")
        conn.close()
        assert store.get_job("raw") == Job("raw", "n", "running", 50.0, [1], 1.0, 2.0)


@pytest.mark.slow
def test_processes_upserting_one_job_keep_one_row_and_its_first_created_at(db_path):
    """4 processes x 50 upserts of one job: no error, one row, and every upsert saw the same
    created_at (the first one's): the insert-or-update is atomic under the write lock."""
    threadtree.open(db_path).close()
    script = textwrap.dedent(
        """
        import sys, threadtree
        with threadtree.open(sys.argv[1]) as store:
            for k in range(50):
                job = store.upsert_job("shared", "worker " + sys.argv[2], "running", progress=k * 2)
                print(repr(job.created_at), flush=True)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(db_path), str(n)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    created = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == "", err
        lines = out.split()
        assert len(lines) == 50
        created |= {float(line) for line in lines}
    assert len(created) == 1
    assert _rows(db_path, "select count(*), min(created_at) from jobs") == [(1, created.pop())]
    with threadtree.open(db_path) as store:
        assert store.get_job("shared").progress == 98.0


# -- tools --

WEATHER = {
    "name": "get_weather",
    "description": "The current weather of a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
SEARCH = {  # OpenAI's function tool shape, with keys threadtree does not look at
    "type": "function",
    "name": "search",
    "description": "Search the web",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "additionalProperties": False},
    "strict": True,
}
BARE = {"name": "now"}


class TestSetTools:
    def test_tools_round_trip_in_order(self, store, thread):
        tools = [SEARCH, WEATHER, BARE]
        assert store.set_tools(thread.id, tools) == tools
        assert store.get_tools(thread.id) == tools
        assert [t["name"] for t in store.get_tools(thread.id)] == ["search", "get_weather", "now"]

    def test_a_second_set_replaces_the_whole_list(self, store, db_path, thread):
        store.set_tools(thread.id, [WEATHER, SEARCH, BARE])
        store.set_tools(thread.id, [BARE, WEATHER])
        assert store.get_tools(thread.id) == [BARE, WEATHER]
        assert _rows(db_path, "select position, name from thread_tools order by position") == [(0, "now"), (1, "get_weather")]

    def test_an_empty_list_clears_the_tools(self, store, db_path, thread):
        store.set_tools(thread.id, [WEATHER])
        assert store.set_tools(thread.id, []) == []
        assert store.get_tools(thread.id) == []
        assert _rows(db_path, "select count(*) from thread_tools") == [(0,)]

    def test_a_thread_without_tools_has_none(self, store, thread):
        assert store.get_tools(thread.id) == []

    def test_any_iterable_of_mappings_is_accepted(self, store, thread):
        from types import MappingProxyType

        store.set_tools(thread.id, (MappingProxyType(t) for t in [WEATHER, BARE]))
        assert store.get_tools(thread.id) == [WEATHER, BARE]

    def test_odd_values_round_trip(self, store, thread):
        odd = {
            "name": "ünï\x00cödé 🔧",
            "description": "",
            "input_schema": {"type": "object", "properties": {}, "x-big": 2**62, "x-float": 0.1, "x-null": None},
            "cache_control": {"type": "ephemeral"},
        }
        store.set_tools(thread.id, [odd])
        assert store.get_tools(thread.id) == [odd]

    def test_a_description_of_none_is_kept_as_none(self, store, db_path, thread):
        """An optional description may be None (as in the SDK's dynamic-tool record); it is
        given back as None, not dropped and not turned into a string."""
        tools = [{"name": "a", "description": None, "parameters": {"type": "object"}}, BARE]
        assert store.set_tools(thread.id, tools) == tools
        assert store.get_tools(thread.id) == tools
        with threadtree.open(db_path) as again:
            assert again.get_tools(thread.id)[0]["description"] is None

    def test_the_same_names_in_two_threads_are_independent(self, store, thread, other_thread):
        store.set_tools(thread.id, [WEATHER])
        store.set_tools(other_thread.id, [WEATHER, SEARCH])
        store.set_tools(thread.id, [])
        assert store.get_tools(other_thread.id) == [WEATHER, SEARCH]

    def test_returned_dicts_are_copies(self, store, thread):
        given = {"name": "t", "input_schema": {"type": "object"}}
        returned = store.set_tools(thread.id, [given])
        given["input_schema"]["type"] = "changed"
        returned[0]["name"] = "changed too"
        got = store.get_tools(thread.id)
        got[0]["name"] = "and this"
        assert store.get_tools(thread.id) == [{"name": "t", "input_schema": {"type": "object"}}]

    def test_set_tools_leaves_the_thread_as_it_was(self, store, thread):
        store.set_tools(thread.id, [WEATHER])
        assert store.get_thread(thread.id).updated_at == thread.updated_at

    def test_an_unknown_thread_is_not_found_and_nothing_is_written(self, store, db_path, thread):
        before = logical_dump(db_path)
        with pytest.raises(NotFound, match="thread 'nope' does not exist"):
            store.set_tools("nope", [WEATHER])
        with pytest.raises(NotFound, match="thread 'nope' does not exist"):
            store.get_tools("nope")
        assert logical_dump(db_path) == before

    def test_a_failure_in_the_middle_of_the_write_keeps_the_old_list(self, store, db_path, thread):
        """The delete and the inserts are one transaction: an insert that fails after the old
        rows were deleted leaves them in place, and a retry succeeds."""
        store.set_tools(thread.id, [WEATHER, SEARCH])
        conn = connect(db_path)
        conn.execute(
            "create trigger boom before insert on thread_tools when new.position = 1 "
            "begin select raise(abort, 'injected failure'); end"
        )
        with pytest.raises(apsw.ConstraintError, match="injected failure"):
            store.set_tools(thread.id, [BARE, WEATHER])
        assert store.get_tools(thread.id) == [WEATHER, SEARCH]
        conn.execute("drop trigger boom")
        conn.close()
        store.set_tools(thread.id, [BARE, WEATHER])
        assert store.get_tools(thread.id) == [BARE, WEATHER]

    def test_a_readonly_store_reads_tools_and_refuses_to_set_them(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread(thread_id="t")
            store.set_tools("t", [WEATHER])
        with threadtree.open(db_path, readonly=True) as store:
            assert store.get_tools("t") == [WEATHER]
            with pytest.raises(ThreadTreeError, match="read-only"):
                store.set_tools("t", [])


BAD_TOOLS = [
    pytest.param({"a": 1}, "tools must be a list of dicts, not dict", id="a-dict"),
    pytest.param("tools", "tools must be a list of dicts, not str", id="a-string"),
    pytest.param(None, "tools must be a list of dicts, not NoneType", id="none"),
    pytest.param(5, "tools must be a list of dicts, not int", id="an-int"),
    pytest.param([WEATHER, "search"], r"tools\[1\] must be a dict, not str", id="item-not-dict"),
    pytest.param([{"description": "x"}], r"tools\[0\] has no 'name'", id="no-name"),
    pytest.param([WEATHER, {"name": ""}], r"tools\[1\]\.name must be a non-empty string", id="empty-name"),
    pytest.param([{"name": 3}], r"tools\[0\]\.name must be a string, not int", id="name-int"),
    pytest.param([{"name": "a\ud800"}], r"tools\[0\]\.name is not valid Unicode", id="name-surrogate"),
    pytest.param(
        [WEATHER, BARE, {"name": "get_weather"}],
        r"tools\[2\]\.name 'get_weather' is also the name of tools\[0\]", id="duplicate-name",
    ),
    pytest.param([{"name": "a", "description": 3}], r"tools\[0\]\.description must be a string, not int", id="description-int"),
    pytest.param([{"name": "a", "input_schema": ["x"]}], r"tools\[0\]\.input_schema must be a dict \(a JSON object\), not list", id="schema-list"),
    pytest.param([{"name": "a", "parameters": "{}"}], r"tools\[0\]\.parameters must be a dict \(a JSON object\), not str", id="parameters-str"),
    pytest.param(
        [{"name": "a", "input_schema": {}, "parameters": {}}], r"tools\[0\] has both 'input_schema' and 'parameters'", id="both-schemas",
    ),
    pytest.param(
        [{"name": "a", "input_schema": {"maximum": math.nan}}],
        r"tools\[0\]\['input_schema'\]\['maximum'\] cannot be stored exactly as JSON: nan", id="nan-in-schema",
    ),
    pytest.param(
        [{"name": "a", "input_schema": {"enum": ("x", "y")}}], r"tools\[0\]\['input_schema'\]\['enum'\] cannot be stored exactly", id="tuple-in-schema",
    ),
    pytest.param([{"name": "a", 1: "x"}], r"tools\[0\] cannot be stored as JSON", id="int-key"),
]


@pytest.mark.parametrize("tools, message", BAD_TOOLS)
def test_bad_tools_are_refused_naming_the_index_and_keep_the_old_list(store, db_path, thread, tools, message):
    store.set_tools(thread.id, [SEARCH])
    before = logical_dump(db_path)
    with pytest.raises(InvalidInput, match=message):
        store.set_tools(thread.id, tools)
    assert logical_dump(db_path) == before
    assert store.get_tools(thread.id) == [SEARCH]


def test_bad_tools_are_refused_before_the_thread_is_looked_up(store):
    with pytest.raises(InvalidInput, match="tools must be a list"):
        store.set_tools("no such thread", None)


def test_a_tool_over_max_size_is_refused(tmp_path):
    with threadtree.open(tmp_path / "small.db", max_size=200) as store:
        store.create_thread(thread_id="t")
        big = {"name": "big", "description": "x" * 300}
        with pytest.raises(InvalidInput, match=r"tools\[1\] is \d+ bytes of JSON, more than the store's max_size of 200"):
            store.set_tools("t", [BARE, big])
        assert store.get_tools("t") == []


class TestDeletion:
    def test_a_deleted_thread_takes_its_tools_and_leaves_the_others(self, store, db_path, thread, other_thread):
        store.set_tools(thread.id, [WEATHER, SEARCH])
        store.set_tools(other_thread.id, [BARE])
        store.delete_thread(thread.id)
        assert _rows(db_path, "select thread_id, name from thread_tools") == [("other", "now")]
        store.create_thread(thread_id=thread.id)  # the same id again starts with no tools
        assert store.get_tools(thread.id) == []


class TestToolRulesInTheDatabase:
    def test_two_tools_of_one_name_in_a_thread_are_refused(self, store, db_path, thread):
        store.set_tools(thread.id, [WEATHER])
        conn = connect(db_path)
        try:
            with pytest.raises(constraint_error(db_path), match="(?i)unique"):
                conn.execute("insert into thread_tools values ('t', 1, 'get_weather', '{}')")
        finally:
            conn.close()

    def test_tools_of_a_missing_thread_are_refused(self, store, db_path, engine):
        conn = connect(db_path)
        if engine == "sqlite":
            conn.pragma("foreign_keys", True)  # PostgreSQL holds foreign keys on every connection
        try:
            with pytest.raises(constraint_error(db_path), match="(?i)foreign key"):
                conn.execute("insert into thread_tools values ('ghost', 0, 'a', '{}')")
        finally:
            conn.close()

    @pytest.mark.parametrize("values", [("t", -1, "a", "{}"), ("t", 0, "", "{}"), ("t", 0, "a", None), ("t", 0, "a", b"{}")])
    def test_bad_rows_are_refused(self, store, db_path, thread, values):
        conn = connect(db_path)
        try:
            with pytest.raises(constraint_error(db_path)):
                conn.execute("insert into thread_tools values (?, ?, ?, ?)", values)
        finally:
            conn.close()
