"""What only the PostgreSQL engine has: URLs and their passwords, the extra's absence, its
schema version, its query files (Citus-ready), and writers in real processes on one server.

The API tests shared with SQLite run on PostgreSQL through tests/engines.py; these are the
engine's own. Those that need a server skip without $THREADTREE_TEST_POSTGRES (fail under CI).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import threadtree
from threadtree._db.postgres.url import is_url, redact

from . import engines
from .helpers import run_together

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def url():
    schema = engines.Schema()
    yield schema.url
    schema.drop()


class TestUrls:
    @pytest.mark.parametrize(
        "target", ["postgresql://h/db", "postgres://h/db", "POSTGRESQL://h/db", "postgresql:///db?host=/tmp"]
    )
    def test_urls_are_told_from_files(self, target):
        assert is_url(target)

    @pytest.mark.parametrize("target", ["threads.db", ":memory:", "postgresql", "./postgresql://x", "sqlite:///x"])
    def test_files_are_not_urls(self, target):
        assert not is_url(target)

    @pytest.mark.parametrize(
        ("given", "shown"),
        [
            ("postgresql://ann:s3cret@db.example/tt", "postgresql://ann:***@db.example/tt"),
            (
                "postgresql://ann@db/tt?password=s3cret&sslmode=require",
                "postgresql://ann@db/tt?password=***&sslmode=require",
            ),
            ("postgres://ann:p%40ss@h:5433/tt", "postgres://ann:***@h:5433/tt"),
            ("postgresql:///tt?host=/tmp/sock", "postgresql:///tt?host=/tmp/sock"),
            # the rest of the query as given: a space of options written '+' would not open
            (
                "postgresql:///tt?host=/s&options=-c%20search_path%3Dx",
                "postgresql:///tt?host=/s&options=-c%20search_path%3Dx",
            ),
            (
                "postgresql://a:pw@/tt?options=-c%20x%3D1&sslpassword=k",
                "postgresql://a:***@/tt?options=-c%20x%3D1&sslpassword=***",
            ),
        ],
    )
    def test_a_password_is_never_shown(self, given, shown):
        assert redact(given) == shown

    def test_a_server_that_cannot_be_reached_is_one_error_without_the_password(self, tmp_path):
        pytest.importorskip("psycopg")
        target = f"postgresql://ann:s3cret@/tt?host={tmp_path}&connect_timeout=2"
        with pytest.raises(threadtree.ThreadTreeError) as caught:
            threadtree.open(target)
        assert "s3cret" not in str(caught.value)
        assert "ann:***@" in str(caught.value)

    def test_the_store_s_repr_and_filename_hide_the_password(self, url):
        with threadtree.open(
            url.replace("postgresql://", "postgresql://threadtree_user:s3cret@", 1) if "@" not in url else url
        ) as store:
            assert "s3cret" not in repr(store) and "s3cret" not in store.filename


def test_without_psycopg_a_url_names_the_extra_to_install():
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "import threadtree\n"
        "try:\n    threadtree.open('postgresql://ann:s3cret@h/tt')\n"
        "except threadtree.ThreadTreeError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'threadtree[postgres]'" in out and "s3cret" not in out


def test_import_threadtree_does_not_import_psycopg():
    code = "import sys, threadtree; threadtree.open(':memory:').close(); print('psycopg' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_the_url_from_threadtree_db_and_the_cli(url, monkeypatch):
    monkeypatch.setenv("THREADTREE_DB", url)
    with threadtree.open() as store:
        store.create_thread("from the environment", thread_id="env")
    out = subprocess.run(
        [sys.executable, "-m", "threadtree", "--db", url, "append", "env", "user", "hello"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    with threadtree.open(url) as store:
        assert [e.content for e in store.path("env")] == ["hello"]


def test_a_database_of_a_newer_threadtree_is_refused_unchanged(url):
    import psycopg

    threadtree.open(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update threadtree_schema set version = version + 1")
    with pytest.raises(threadtree.SchemaError, match="newer threadtree"):
        threadtree.open(url)


def test_a_new_database_opened_read_only_is_refused(url):
    with pytest.raises(threadtree.SchemaError, match="empty"):
        threadtree.open(url, readonly=True)


# Tables without a thread: jobs (a job may serve several threads). Every other table is
# distributed by thread_id.
_NOT_PER_THREAD = {"jobs"}
_TABLE = re.compile(r"\b(?:from|join|into|update)\s+([a-z_]+)", re.IGNORECASE)


def test_every_table_of_the_schema_has_thread_id_in_its_primary_key():
    text = (ROOT / "sql/postgres/migrations/0001_initial.sql").read_text()
    tables = re.findall(r"create table (\w+) \((.*?)\n\);", text, re.S)
    assert len(tables) > 10
    for name, body in tables:
        key = re.search(r"primary key(?: \((.*?)\))?", body)
        assert key is not None, name
        columns = key.group(1) or body[: key.start()].split("\n")[-1].split()[0]
        if name == "threads":
            assert columns == "id"
        elif name not in _NOT_PER_THREAD:
            assert "thread_id" in columns, name


def test_the_per_thread_writes_of_the_postgres_queries_filter_on_thread_id():
    """Every statement that writes a per-thread table names its thread (``thread_id =`` or the
    thread's id in the row it inserts): on Citus each such write goes to one shard. Reads by
    entry id alone (get_entry, path_to) are the exceptions the README lists: they fan out."""
    folder = ROOT / "sql/postgres/queries"
    unfiltered = []
    for path in sorted(folder.glob("*.sql")):
        body = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("--"))
        first = body.split(None, 1)[0].lower()
        if first in ("insert", "update", "delete") or " returning " in body.lower():
            tables = {t.lower() for t in _TABLE.findall(body)} - _NOT_PER_THREAD - {"tree", "chain", "page", "set"}
            if tables and "thread_id" not in body and ":thread_id" not in body:
                unfiltered.append(path.stem)
    assert unfiltered == [], unfiltered


def test_eight_writer_processes_on_one_thread_make_one_chain(url):
    with threadtree.open(url) as store:
        store.create_thread(thread_id="race")
    outputs = run_together(ROOT / "tests/pg_writer.py", [[url, "race", "10"] for _ in range(8)])
    written = [int(line) for out in outputs for line in out.split() if line.isdigit()]
    with threadtree.open(url) as store:
        path = store.path("race")
        assert sorted(written) == [e.id for e in path]  # nothing lost, nothing duplicated
        assert len(path) == 80
        assert [e.id for e in store.leaves("race")] == [path[-1].id]  # one chain, no fork
        assert [e.parent_id for e in path[1:]] == [e.id for e in path[:-1]]


def test_an_entry_is_looked_up_by_its_id_before_any_statistics(url):
    """The parent check of every insert and PostgreSQL's own foreign-key check look an entry up
    by (thread_id, id). On a new database (no ANALYZE yet) their cached generic plans took the
    children's index (thread_id, parent_entry_id) instead, reading the whole thread for every
    append; migration 0006 leads that index with the parent, so only an index of the id fits."""
    import psycopg

    with threadtree.open(url) as store:
        thread = store.create_thread()
        store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(50)])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("set plan_cache_mode = force_generic_plan")
        conn.execute(
            "prepare lookup (text, bigint) as select 1 from entries where thread_id = $1 and id = $2 for key share"
        )
        plan = "\n".join(row[0] for row in conn.execute(f"explain execute lookup('{thread.id}', 5)").fetchall())
    assert "Index Cond: ((thread_id = $1) AND (id = $2))" in plan or "Index Cond: (id = $2)" in plan, plan
    assert "entries_thread_parent" not in plan and "entries_parent" not in plan, plan


def _big_thread(store: threadtree.Store) -> None:
    store.extend(store.create_thread().id, [{"role": "user", "content": str(k)} for k in range(2000)])


def _bush(store: threadtree.Store, *, every: int) -> tuple[str, int]:
    """A thread of a root and 300 children (tips), every ``every``-th one hidden: (its id, the root's)."""
    bush = store.create_thread().id
    root = store.append(bush, "user", "root").id
    for k in range(300):
        store.fork(root, "assistant", str(k), hidden=k % every == 0)
    return bush, root


@pytest.mark.parametrize("query", ["leaves", "visible_leaves"])
def test_the_leaves_of_a_thread_are_read_by_key_beside_a_bigger_thread(url, query):
    """The leaves table gives the thread's tips; each is looked up by the primary key
    (thread_id, id). Joined on the id alone, on tables without statistics the planner read
    every entry of the database into a hash (1,000 leaves beside a 10,000-entry thread: 3 ms of
    the server's time per call, most of `leaves`)."""
    import psycopg

    from threadtree._db.postgres.engine import SQL

    with threadtree.open(url) as store:
        _big_thread(store)
        bush, _ = _bush(store, every=2)
    with psycopg.connect(url, autocommit=True) as conn:
        cur = psycopg.ClientCursor(conn)
        cur.execute("explain " + SQL.query(query), {"thread_id": bush})
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Seq Scan on entries" not in plan, plan
    # Nor a read of the whole thread filtered by the list of leaf ids (a linear search of the
    # list per entry: 1,000 leaves of a 1,001-entry thread took 4.8 ms, 2.6 ms by key).
    assert "ANY" not in plan, plan


@pytest.mark.parametrize("query", ["leaves", "visible_leaves", "branch_newest", "switch_target"])
def test_the_leaves_of_a_thread_are_read_by_key_with_statistics_from_before_it_grew(url, query):
    """Statistics taken when the thread had no entries (autovacuum's ANALYZE ran before it
    grew) estimate its rows at one: joined on (thread_id, id), the planner then scanned the
    thread's entries once per leaf, 500,500 rows for 1,000 leaves (76 ms, against 1.5 ms by
    the key); the walks down a branch (switch, branch_newest) once per entry. Each must be one
    lookup whatever the statistics say."""
    import psycopg

    from threadtree._db.postgres.engine import SQL

    with threadtree.open(url) as store:
        _big_thread(store)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("analyze")
            for table in ("entries", "leaves"):
                conn.execute(f"alter table {table} set (autovacuum_enabled = off)")
        bush, root = _bush(store, every=7)
    with psycopg.connect(url, autocommit=True) as conn:
        cur = psycopg.ClientCursor(conn)
        bindings = {"thread_id": bush} | ({} if "leaves" in query else {"entry_id": root})
        cur.execute("explain analyze " + SQL.query(query), bindings)
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Rows Removed by Join Filter" not in plan, plan


def _pages_read(url: str, query: str, bindings: dict) -> int:
    """The pages (shared buffers hit or read) one run of the query ``query`` reads, rolled back."""
    import psycopg

    from threadtree._db.postgres.engine import SQL

    with psycopg.connect(url) as conn:
        cur = psycopg.ClientCursor(conn)
        cur.execute("explain (analyze, buffers, format json) " + SQL.query(query), bindings)
        plan = cur.fetchone()[0][0]["Plan"]
        conn.rollback()
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


@pytest.mark.parametrize(
    "query, bindings",
    [
        ("common_ancestor", lambda ids: {"a_id": ids["mid"], "b_id": ids["last"]}),
        ("branch_points", lambda ids: {"entry_id": ids["last"]}),
        ("live_path_from", lambda ids: {"thread_id": ids["thread"], "depth": 0}),
        ("subtree", lambda ids: {"entry_id": ids["root"]}),
        ("branch_newest", lambda ids: {"thread_id": ids["thread"], "entry_id": ids["root"]}),
        ("switch_target", lambda ids: {"thread_id": ids["thread"], "entry_id": ids["root"]}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_walk_of_a_deep_branch_reads_each_level_by_key(url, query, bindings):
    """Each step of a walk up or down a branch is one key lookup, whatever the statistics say.
    Joined to entries as a plain table, the step of a recursive walk was planned as a hash join
    over the whole table (the planner guesses a large worktable), once per level: 1,000 levels
    read 18 to 28 pages a level (common_ancestor of a 3,000-entry branch took 0.9 s, 9 ms by key);
    and branch_points matched the parent with IS NOT DISTINCT FROM, which no index serves."""
    import psycopg


    with threadtree.open(url) as store:
        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("entries", "leaves", "threads", "left_leaves"):
                conn.execute(f"alter table {table} set (autovacuum_enabled = off)")
        tid = store.create_thread().id
        chain = store.extend(tid, [{"role": "user", "content": str(k)} for k in range(1000)])
        store.fork(chain[500].id, "user", "side")
        store.checkout(chain[-1].id)
        side = store.leaves(tid)[-1].id  # the tip of the branch forked at level 500
        ids = {"thread": tid, "root": chain[0].id, "mid": side, "last": chain[-1].id}
    read = _pages_read(url, query, bindings(ids))
    assert read < 9_000, f"{read} pages for a walk of 1,000 levels"  # 3 to 6 a level by key, 18 to 28 before


def test_resuming_from_a_checkpoint_reads_each_level_of_the_live_path_by_key(url):
    """checkpoint_resume (load_checkpoint without an id) walks the live path up by entry id:
    as a join, without statistics, it hashed the whole entries table at every level (a
    3,000-deep path beside 10,000 other entries: 2.2 s; 6 ms by key)."""
    import psycopg


    with threadtree.open(url) as store:
        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("entries", "checkpoints"):
                conn.execute(f"alter table {table} set (autovacuum_enabled = off)")
        other = store.create_thread().id
        store.extend(other, [{"role": "user", "content": str(k)} for k in range(3000)])
        tid = store.create_thread().id
        chain = store.extend(tid, [{"role": "user", "content": str(k)} for k in range(1000)])
        store.save_checkpoint(tid, "early", 1, entry_id=chain[10].id)
    read = _pages_read(url, "checkpoint_resume", {"thread_id": tid, "leaf_id": chain[-1].id})
    assert read < 9_000, f"{read} pages for a walk of 1,000 levels"


def test_a_checkpoint_lineage_reads_each_level_by_key(url):
    """checkpoint_lineage (save_checkpoint's cycle check when the checkpoint has children)
    walks up parent ids: as a join, without statistics, it hashed every checkpoint of the
    thread at every level (1,000 levels: 184 ms and about 20 pages a level; 2.8 ms by key)."""
    import psycopg


    with threadtree.open(url) as store:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("alter table checkpoints set (autovacuum_enabled = off)")
        tid = store.create_thread().id
        previous = None
        for k in range(1000):
            store.save_checkpoint(tid, f"c{k}", k, parent_checkpoint_id=previous)
            previous = f"c{k}"
    read = _pages_read(url, "checkpoint_lineage", {"thread_id": tid, "checkpoint_id": "c999"})
    assert read < 6_000, f"{read} pages for a lineage of 1,000 levels"
