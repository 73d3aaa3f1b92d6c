"""Security: no SQL built from strings, LIKE escaped, hostile text stored verbatim, and a
tampered file cannot make threadtree run code.

What an attacker controls here is text (ids, titles, contents, metadata) and, at worst, the
database file itself. SQLite gives threadtree's connections three defences, each tested by
its effect (with a raw connection as the negative control):

* ``SQLITE_DBCONFIG_TRUSTED_SCHEMA`` off: a view, trigger, CHECK or DEFAULT in the file cannot
  call a function that is not marked innocuous (an application function, ``load_extension``);
* ``SQLITE_DBCONFIG_DEFENSIVE`` on: no ``writable_schema``, no writes to shadow tables or
  ``sqlite_schema``, no ``journal_mode=OFF``;
* extension loading stays disabled.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import apsw
import orjson
import pytest

import threadtree
from threadtree.cli import main

from .helpers import logical_dump, raw_conn

# -- no SQL built by string formatting --

SQL_WORDS = re.compile(
    r"\b(select|insert|update|delete|pragma|create|drop|alter|attach|where|values|from)\b", re.IGNORECASE
)
SQL_METHODS = {"execute", "executemany", "pragma", "query_info"}
TRANSACTION_WORDS = re.compile(
    r"^\s*(BEGIN( IMMEDIATE| EXCLUSIVE| DEFERRED)?|COMMIT|ROLLBACK|END"
    r"|SAVEPOINT \w+|RELEASE( SAVEPOINT)? \w+|ROLLBACK TO( SAVEPOINT)? \w+)\s*;?\s*$",
    re.I,
)


def _is_formatted(node: ast.AST) -> bool:
    """An f-string with a placeholder, ``%`` or ``+`` on strings, or a ``.format`` call."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return any(isinstance(side, (ast.Constant, ast.JoinedStr, ast.BinOp)) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return isinstance(node.func.value, (ast.Constant, ast.JoinedStr))
    return False


def _literal_text(node: ast.AST) -> str:
    """The string constants inside ``node``, in source order, joined by spaces."""
    parts = [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return " ".join(n.value for n in sorted(parts, key=lambda n: (n.lineno, n.col_offset)))


def sql_built_from_strings(source: str, filename: str = "<snippet>") -> list[str]:
    """Places where SQL text is made by string formatting, or handed to execute/pragma in a
    form other than a literal, a query from sql/queries, or a name bound to either."""
    tree = ast.parse(source, filename)
    found = []
    # Names bound anywhere in the module to a formatted string: `sql = f"..."; conn.execute(sql)`.
    formatted_names = {
        target.id
        for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None
        and _is_formatted(node.value)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if _is_formatted(node) and SQL_WORDS.search(_literal_text(node)) and _looks_like_sql(_literal_text(node)):
            found.append(f"{filename}:{node.lineno}: SQL text built by formatting")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_METHODS):
            continue
        if not node.args:
            continue
        first = node.args[0]
        where = f"{filename}:{node.lineno}: .{node.func.attr}()"
        if _is_formatted(first):
            found.append(f"{where} given a formatted string")
        elif isinstance(first, ast.Name) and first.id in formatted_names:
            found.append(f"{where} given {first.id!r}, a formatted string")
        elif node.func.attr == "pragma" and not isinstance(first, ast.Constant):
            found.append(f"{where} with a pragma name that is not a literal")
    return found


def _looks_like_sql(text: str) -> bool:
    """Literal parts that read as a statement, not as a message that says "from" or names a
    pragma ("PRAGMA integrity_check could not finish")."""
    return bool(re.search(
        r"\b(select\b.*\bfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|pragma\s+\w+\s*(=|\(|;|$)|create\s+(table|index|"
        r"trigger|view)|drop\s+(table|index|trigger|view)|alter\s+table|attach\s+database?)\b",
        text, re.IGNORECASE | re.DOTALL,
    ))


def package_sources() -> list[Path]:
    root = Path(threadtree.__file__).parent
    return sorted(root.rglob("*.py"))


def test_the_package_builds_no_sql_from_strings():
    files = package_sources()
    assert len(files) > 10  # the whole package, formats included
    found = [p for path in files for p in sql_built_from_strings(path.read_text(encoding="utf-8"), str(path))]
    assert found == []


def test_sql_literals_passed_to_execute_are_transaction_control_or_checks():
    """Inline SQL literals are allowed only for BEGIN/COMMIT/ROLLBACK and a few read-only
    checks; everything else lives in sql/queries (a new inline statement is a review point)."""
    inline = []
    for path in package_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                text = node.args[0].value
                if not TRANSACTION_WORDS.match(text):
                    inline.append(" ".join(text.split()).lower())
    allowed = {"pragma integrity_check(100)", "pragma foreign_key_check", "select count(*) from sqlite_schema"}
    # PostgreSQL (_db/postgres): a read-only snapshot, and the schema version's table, read and
    # written where SQLite reads and writes user_version.
    allowed |= {
        "begin isolation level repeatable read read only",
        "select to_regclass('threadtree_schema') is not null",
        "select to_regclass('threads') is not null",
        "select version from threadtree_schema",
        "select pg_advisory_xact_lock(%s)",
        "insert into threadtree_schema (one, version) values (true, %s) on conflict (one) do update set version = excluded.version",
        # the session's prepared statements, forgotten when something else dropped some of them
        "deallocate all",
    }
    assert set(inline) <= allowed, sorted(set(inline) - allowed)


PLANTED = [
    pytest.param('conn.execute(f"select * from entries where id = {entry_id}")', id="f-string"),
    pytest.param('conn.execute("select * from entries where id = %d" % entry_id)', id="percent"),
    pytest.param('conn.execute("select * from entries where id = " + str(entry_id))', id="concatenation"),
    pytest.param('conn.execute("delete from threads where id = \'{}\'".format(tid))', id="format"),
    pytest.param('sql = f"update threads set title = \'{t}\'"\nconn.execute(sql)', id="via-a-name"),
    pytest.param('cur.executemany(f"insert into leaves values ({a}, ?)", rows)', id="executemany"),
    pytest.param('conn.pragma(f"user_version = {n}")', id="pragma-f-string"),
    pytest.param("conn.pragma(name, value)", id="pragma-variable-name"),
    pytest.param('query = "select " + column + " from entries"', id="built-not-yet-run"),
]
ALLOWED = [
    pytest.param('conn.execute(q("path_to"), {"entry_id": eid})', id="query-file"),
    pytest.param('conn.execute(_sql.query("leaves"), bindings)', id="query-module"),
    pytest.param('conn.execute("BEGIN IMMEDIATE")', id="begin"),
    pytest.param('conn.pragma("user_version", number)', id="pragma-literal"),
    pytest.param('raise NotFound(f"entry {eid} does not exist: deleted from the thread")', id="a-message"),
    pytest.param('Problem(None, None, "integrity", f"PRAGMA integrity_check could not finish: {exc}")',
                 id="a-message-naming-a-pragma"),
    pytest.param('f"entry {eid} was deleted from thread {tid!r}"', id="english"),
]


@pytest.mark.parametrize("snippet", PLANTED)
def test_the_checker_catches_planted_string_sql(snippet):
    assert sql_built_from_strings(snippet) != []


@pytest.mark.parametrize("snippet", ALLOWED)
def test_the_checker_lets_safe_code_through(snippet):
    assert sql_built_from_strings(snippet) == []


# -- LIKE is escaped (tests/test_threads.py covers %, _ and \ one at a time) --


@pytest.mark.parametrize(
    "search, expected",
    [
        ("\\%", ["lit \\% here"]),
        ("\\_", ["lit \\_ here"]),
        ("%_", ["pct%_und"]),
        ("%%", []),
        ("_%_", []),
        ("\\\\", ["two \\\\ slashes"]),
        ("'", ["it's"]),
        ("' or 1=1 --", []),
        ("[a]", ["[a] brackets"]),
        ("*", []),  # GLOB syntax means nothing to LIKE
    ],
)
def test_search_matches_combinations_of_wildcards_literally(store, search, expected):
    titles = ["lit \\% here", "lit \\_ here", "pct%_und", "two \\\\ slashes", "it's", "[a] brackets", "plain", "a%b_c"]
    for n, title in enumerate(titles):
        store.create_thread(title, thread_id=f"t{n}")
    assert sorted(t.title for t in store.list_threads(search=search)) == expected


@pytest.mark.parametrize("search, expected", [("\x00", ["a\x00b"]), ("a\x00b", ["a\x00b"]), ("a\x00c", [])])
def test_a_search_with_a_nul_is_literal(store, search, expected):
    """SQLite's LIKE reads pattern and title as C strings and stops at a NUL: today a search
    for "a\\x00c" finds the title "a\\x00b", and "\\x00" finds every title. Titles may hold
    NUL; the search must match it literally (instr(lower(title), lower(:search)) does)."""
    for n, title in enumerate(["a\x00b", "plain", "abc"]):
        store.create_thread(title, thread_id=f"t{n}")
    assert [t.title for t in store.list_threads(search=search)] == expected


def test_the_cli_search_is_literal_too(db_path, capsys):
    with threadtree.open(db_path) as store:
        for n, title in enumerate(["100% sure", "1000 sure", "a_b", "axb"]):
            store.create_thread(title, thread_id=f"t{n}")
    assert main(["--db", str(db_path), "threads", "--search", "%", "--json"]) == 0
    assert [t["title"] for t in orjson.loads(capsys.readouterr().out)] == ["100% sure"]
    assert main(["--db", str(db_path), "threads", "--search", "a_b", "--json"]) == 0
    assert [t["title"] for t in orjson.loads(capsys.readouterr().out)] == ["a_b"]


# -- hostile text round-trips, through the API and the CLI --

NASTY = [
    "'; drop table entries; --",
    '" or 1=1 --',
    "' or '1'='1",
    "%",
    "_",
    "\\",
    "a\x00b",
    "\x00",
    "Robert'); DROP TABLE threads;--",
    "$1 ?1 :name @x ?",
    "`select` [from] \"where\"",
    "\u202e\u0000'\"",
    "*/ select 1 /*",
]


@pytest.fixture
def nasty_file(db_path):
    """One thread per nasty string, holding it everywhere a caller can put text; plus a
    bystander thread that no call touches."""
    with threadtree.open(db_path) as store:
        store.create_thread("bystander", thread_id="bystander", metadata={"k": "v"})
        store.append("bystander", "user", "untouched")
        before = {k: v for k, v in logical_dump(db_path).items()}
        for text in NASTY:
            store.create_thread(text, thread_id=f"id {text}", metadata={text: text, "nested": [text, {text: 1}]})
            store.append(f"id {text}", f"role {text}", text, item={"q": text, text: [text]}, source_id=text)
    return db_path, before


def test_nasty_text_round_trips_through_the_api(nasty_file):
    db_path, before = nasty_file
    with threadtree.open(db_path) as store:
        for text in NASTY:
            tid = f"id {text}"
            thread = store.get_thread(tid)
            assert (thread.id, thread.title) == (tid, text)
            assert thread.metadata == {text: text, "nested": [text, {text: 1}]}
            (entry,) = store.path(tid)
            assert (entry.role, entry.content, entry.source_id) == (f"role {text}", text, text)
            assert entry.item == {"q": text, text: [text]}
            assert store.find_entry(tid, text) == entry
            assert tid in [t.id for t in store.list_threads(search=text, limit=None)]
        assert store.check() == []
    after = logical_dump(db_path)
    # Nothing else changed: the bystander's rows and the set of tables are as they were.
    assert after.keys() == before.keys()
    assert [r for r in after["entries"] if r[1] == "bystander"] == [r for r in before["entries"] if r[1] == "bystander"]
    assert [r for r in after["threads"] if r[0] == "bystander"] == [r for r in before["threads"] if r[0] == "bystander"]


def test_nasty_text_round_trips_through_the_cli(nasty_file, capsys):
    db_path, _ = nasty_file
    before = logical_dump(db_path)
    for text in NASTY:
        assert main(["--db", str(db_path), "show", f"id {text}", "--json"]) == 0
        (entry,) = orjson.loads(capsys.readouterr().out)
        assert (entry["role"], entry["content"], entry["source_id"], entry["item"]) == (
            f"role {text}", text, text, {"q": text, text: [text]},
        )
    assert main(["--db", str(db_path), "export", "--format", "jsonl"]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    dumped = orjson.dumps(lines).decode()
    for text in NASTY:
        assert orjson.dumps(text).decode() in dumped
    assert logical_dump(db_path) == before  # reading changed nothing


def test_nasty_text_round_trips_through_a_real_cli_process(nasty_file, tmp_path):
    """Arguments reach SQLite as bound values even through argv: no shell, no quoting."""
    db_path, _ = nasty_file
    text = NASTY[0]
    env = {k: v for k, v in os.environ.items() if k != "THREADTREE_DB"}
    done = subprocess.run(
        [sys.executable, "-m", "threadtree", "--db", str(db_path), "show", f"id {text}", "--json"],
        capture_output=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)[0]["content"] == text


# -- a tampered file cannot run code --


@pytest.fixture
def tampered(db_path):
    """A threadtree file with a view and triggers planted by a raw connection, calling an
    application function (not innocuous) and load_extension."""
    with threadtree.open(db_path) as store:
        store.create_thread("t", thread_id="t")
        store.append("t", "user", "hello")
    raw = apsw.Connection(str(db_path))
    raw.execute("create view planted_view as select side_effect('view') as x")
    raw.execute("create trigger planted_on_insert after insert on entries begin select side_effect('trigger'); end")
    raw.execute("create trigger planted_load after update on threads begin select load_extension('/no/such/evil.so'); end")
    raw.execute("create table planted_marker (x)")
    raw.execute("create trigger planted_on_read after delete on planted_marker begin delete from entries; end")
    raw.close()
    return db_path


def _with_side_effect(conn: apsw.Connection) -> list[str]:
    calls: list[str] = []
    conn.create_scalar_function("side_effect", lambda where: calls.append(where) or 1)  # not innocuous
    return calls


def test_the_planted_view_and_trigger_do_run_on_a_trusting_connection(tampered):
    """The negative control: with SQLite's defaults the planted schema calls the function."""
    raw = apsw.Connection(str(tampered))
    try:
        calls = _with_side_effect(raw)
        raw.execute("select * from planted_view").fetchall()
        raw.execute("insert into entries (thread_id, role, content, created_at, depth) values ('t', 'u', 'x', 0, 0)")
        assert calls == ["view", "trigger"]
    finally:
        raw.close()


def test_trusted_schema_is_off_so_the_schema_cannot_call_functions(tampered):
    with threadtree.open(tampered) as store:
        calls = _with_side_effect(raw_conn(store))
        with pytest.raises(apsw.SQLError, match="unsafe use of side_effect"):
            raw_conn(store).execute("select * from planted_view").fetchall()
        before = logical_dump(tampered)
        with pytest.raises(apsw.SQLError, match="unsafe use of side_effect"):
            store.append("t", "user", "fires the planted trigger")
        assert calls == []
        assert logical_dump(tampered) == before  # the write was refused whole


def test_a_planted_load_extension_never_loads(tampered):
    with threadtree.open(tampered) as store:
        with pytest.raises(apsw.SQLError, match="unsafe use of load_extension"):
            store.update_thread("t", title="fires the planted trigger")
        with pytest.raises(apsw.SQLError, match="not authorized"):  # not even called directly
            raw_conn(store).execute("select load_extension('/no/such/evil.so')").fetchall()
        assert store.get_thread("t").title == "t"


def test_reads_never_fire_planted_triggers(tampered, capsys):
    """Reads run no trigger: every read method and every read command leaves the file as it
    was, planted objects included."""
    before = logical_dump(tampered)
    with threadtree.open(tampered, readonly=True) as store:
        calls = _with_side_effect(raw_conn(store))
        entry = store.path("t")[0]
        store.list_threads(search="t")
        store.leaves("t"), store.entries("t"), store.children(entry.id), store.subtree(entry.id)
        store.render_tree("t"), store.messages("t"), store.path_to(entry.id)
        assert store.check() == []
        assert calls == []
    for command in (["threads"], ["show", "t"], ["tree", "t"], ["leaves", "t"], ["check"],
                    ["export", "--format", "jsonl"]):
        with contextlib.redirect_stderr(io.StringIO()):
            assert main(["--db", str(tampered), *command]) == 0, command
    capsys.readouterr()
    assert logical_dump(tampered) == before


class TestDefensiveMode:
    """SQLITE_DBCONFIG_DEFENSIVE on every threadtree connection (tests/test_open.py covers
    writable_schema), each effect against a raw connection as the control."""

    def test_shadow_tables_cannot_be_written(self, store, db_path):
        raw = apsw.Connection(str(db_path))
        raw.execute("create virtual table notes using fts5(body)")
        raw.execute("insert into notes_data values (99, x'00')")  # the control: allowed by default
        raw.close()
        with pytest.raises(apsw.SQLError, match="may not be modified"):
            raw_conn(store).execute("insert into notes_data values (100, x'00')")

    def test_the_schema_table_cannot_be_written(self, store):
        with pytest.raises(apsw.SQLError, match="may not be modified"):
            raw_conn(store).execute("update sqlite_schema set sql = 'create table x (y)' where name = 'entries'")

    def test_journal_mode_off_is_refused(self, store):
        assert raw_conn(store).execute("pragma journal_mode = off").get == "wal"
        assert raw_conn(store).pragma("journal_mode") == "wal"

    def test_extension_loading_is_off(self, store):
        with pytest.raises(apsw.SQLError, match="not authorized"):
            raw_conn(store).execute("select load_extension('/no/such/evil.so')").fetchall()

    def test_settings_are_the_same_on_a_read_only_store(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("t")
        with threadtree.open(db_path, readonly=True) as store:
            conn = raw_conn(store)
            assert conn.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, -1) == 1
            assert conn.config(apsw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, -1) == 0
            assert conn.config(apsw.SQLITE_DBCONFIG_DQS_DML, -1) == 0
            assert conn.config(apsw.SQLITE_DBCONFIG_DQS_DDL, -1) == 0


# -- an import reads only the file named and the files of its own session --

# Run in a fresh process: an audit hook cannot be removed once added. It records every file
# Python opens and every folder it lists; the import runs through the command line.
_WATCHED_IMPORT = """
import json, os, sys
seen = []
def hook(event, args):
    if event in ("open", "os.scandir", "os.listdir") and isinstance(args[0], (str, bytes, os.PathLike)):
        seen.append(os.path.realpath(os.fsdecode(args[0])))
sys.addaudithook(hook)
from threadtree.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "seen": seen}))
"""


def _watched_import(db: Path, path: Path) -> tuple[int, list[str], dict]:
    """Exit code, the paths opened or listed, and the import's --json report."""
    env = {k: v for k, v in os.environ.items() if k != "THREADTREE_DB"}
    done = subprocess.run(
        [sys.executable, "-c", _WATCHED_IMPORT, "--db", str(db), "import", str(path), "--json"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    report, _, last = done.stdout.strip().rpartition("\n")
    result = orjson.loads(last)
    return result["code"], result["seen"], orjson.loads(report)


def _claude_line(session: str, uuid: str, parent: str | None, text: str, **extra) -> bytes:
    return orjson.dumps({
        "type": "user", "uuid": uuid, "parentUuid": parent, "sessionId": session, "isSidechain": False,
        "timestamp": "2026-01-01T00:00:00.000Z", "message": {"role": "user", "content": text}, **extra,
    }) + b"\n"


@pytest.fixture
def secret(tmp_path):
    """A folder beside the project folder holding what a crafted transcript might try to read."""
    folder = tmp_path / "outside"
    (folder / "subagents").mkdir(parents=True)
    line = orjson.dumps({
        "type": "user", "uuid": "s1", "parentUuid": None, "sessionId": "x", "isSidechain": True,
        "agentId": "evil", "timestamp": "2026-01-01T00:00:00.000Z",
        "message": {"role": "user", "content": "SECRET"},
    }) + b"\n"
    (folder / "subagents" / "agent-evil.jsonl").write_bytes(line)
    (folder / "agent-evil.jsonl").write_bytes(line)
    (folder / "agent-evil.meta.json").write_bytes(b'{"description": "SECRET"}')
    return folder


def _assert_nothing_outside(code, seen, db, secret):
    assert code == 0
    outside = str(secret.resolve())
    assert [p for p in seen if p.startswith(outside)] == []
    with threadtree.open(db, readonly=True) as store:
        for thread in store.list_threads(limit=None):
            assert all("SECRET" not in e.content for e in store.entries(thread.id))
            assert "SECRET" not in orjson.dumps(thread.metadata).decode()


@pytest.mark.parametrize("session", ["..", "../outside", "x/../..", "/tmp", "."])
def test_a_crafted_session_id_cannot_make_an_import_read_outside_the_folder(tmp_path, secret, session):
    """A sessionId is a file name in the Claude Code layout (<sessionId>/subagents/): '..'
    would name the folder above the transcript's."""
    project = tmp_path / "project"
    project.mkdir()
    if session == "..":  # ../subagents would then be a sibling of the project folder
        (tmp_path / "subagents").symlink_to(secret / "subagents")
    transcript = project / "session.jsonl"
    transcript.write_bytes(_claude_line(session, "u1", None, "hello"))
    code, seen, _ = _watched_import(tmp_path / "a.db", transcript)
    _assert_nothing_outside(code, seen, tmp_path / "a.db", secret)
    assert [p for p in seen if p.startswith(str((tmp_path / "subagents").resolve()))] == []


def test_symlinks_in_a_session_folder_cannot_lead_an_import_outside(tmp_path, secret):
    """Subagent files and their .meta.json are found by listing folders: one that is a
    symlink to elsewhere is not read, and the import says so."""
    project = tmp_path / "project"
    agents = project / "sess" / "subagents"
    agents.mkdir(parents=True)
    (project / "sess.jsonl").write_bytes(_claude_line("sess", "u1", None, "hello"))
    (agents / "agent-evil.jsonl").symlink_to(secret / "subagents" / "agent-evil.jsonl")
    (agents / "nested").symlink_to(secret / "subagents", target_is_directory=True)
    (agents / "agent-ok.jsonl").write_bytes(
        orjson.dumps({"type": "user", "uuid": "a1", "parentUuid": None, "sessionId": "sess", "isSidechain": True,
                      "agentId": "ok", "timestamp": "2026-01-01T00:00:00.000Z",
                      "message": {"role": "user", "content": "fine"}}) + b"\n")
    (agents / "agent-ok.meta.json").symlink_to(secret / "agent-evil.meta.json")
    (project / "agent-evil.jsonl").symlink_to(secret / "agent-evil.jsonl")
    code, seen, report = _watched_import(tmp_path / "a.db", project / "sess.jsonl")
    _assert_nothing_outside(code, seen, tmp_path / "a.db", secret)
    notes = [note for outcome in report["outcomes"] for note in outcome["notes"]]
    assert "sess/subagents/agent-evil.jsonl points outside the session's folder; not read" in notes
    with threadtree.open(tmp_path / "a.db", readonly=True) as store:
        assert sorted(t.source_id for t in store.list_threads(limit=None)) == ["sess", "sess/agent-ok"]
