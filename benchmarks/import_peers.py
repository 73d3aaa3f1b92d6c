"""Import benchmark of the peers' own stores: 100,000 messages in each one's real schema.

    python benchmarks/import_peers.py                      # 100,000 messages a source (several minutes)
    python benchmarks/import_peers.py --messages 5000 --rounds 1    # a smoke run

Each source file is made with the library's own schema, created by the library itself
(``SQLiteSession`` / ``AdvancedSQLiteSession`` make their tables, llm's ``migrate`` its, and
``SqliteSaver.setup`` LangGraph's), and then filled quickly by writing rows the way the library
writes them (driving each library 100,000 times would take too long): the SDK's
``json.dumps(item)`` rows, llm's response rows and its content-addressed messages (hashed by
llm's own ``message_hash``), LangGraph's checkpoints serialised by its own serializer (each
checkpoint repeating the whole history, three checkpoints a turn). Building the files is not
timed. Sources (docs/formats.md sections 15 to 17):

* ``openai-agents``: 500 SQLiteSession sessions of 200 items (user message, assistant
  message; every fifth turn a function call and its output);
* ``openai-agents (advanced)``: the same items in AdvancedSQLiteSession, each session with a
  branch made from its middle turn (copied rows shared) and usage rows for every turn;
* ``llm (legacy tables)``: 500 conversations of 100 responses (a prompt and a response each:
  200 messages), the token counts, a tool call every tenth response;
* ``llm (message store)``: 500 threads of 200 messages (50 turns of system-less user/assistant
  pairs and tool chains), each thread with a fork in its middle;
* ``langgraph``: 10,000 threads of 10 messages (5 turns, 15 checkpoints each; shorter texts,
  40-300 characters: every checkpoint repeats the history, so the file grows with the square
  of a thread's length). The import decodes the messages with ormsgpack, as it does wherever
  LangGraph is installed;
* ``langgraph (without ormsgpack)``: the same file imported by a process that cannot import
  ormsgpack, so that threadtree's own MessagePack reader (Python) decodes them.

Measured, each in a fresh process on a new threadtree file: the first **import**
(``threadtree.formats.import_file``, engine included, default settings: synchronous FULL, small
conversations committed several to a transaction), the **re-import** of the same file (every conversation must be
"unchanged" and the database must keep its bytes), and a **baseline**: the same rows read
with ``sqlite3``, each message decoded (``orjson``; for LangGraph ``ormsgpack`` of each
thread's latest checkpoint, the live path only) and written with one ``executemany`` into a
bare table in one transaction. Target (issue 22): at least 10,000 messages/s for the import.
Where the import's wall time exceeds its CPU time, "not waiting" says why: it is the wall time
less the time the process was ready to run but waited for a CPU (Linux's /proc/self/schedstat),
so what is left over the CPU time is waiting for the disk (a commit's sync).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

# benchmarks/agents.py is named like the SDK's package: keep this folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or os.curdir).resolve() != Path(__file__).resolve().parent]

TARGET = 10_000  # messages a second
WORDS = (
    "the of and to in is that for it as with was on be by this are or from at an which have not "
    "function return value error file data model tree branch thread message reply conversation "
    "database query index python sqlite json import export result example because however "
    "café naïve Straße 東京 データ 🙂 — “quoted” → ≤ ≥"
).split()


def text(rng: random.Random, low: int = 80, high: int = 600) -> str:
    words = rng.choices(WORDS, k=rng.randint(low // 6, high // 6))
    return " ".join(words).capitalize() + "."


# -- the OpenAI Agents SDK --


def agent_items(rng: random.Random, count: int, tag: str) -> list[dict]:
    """``count`` Responses API items as the SDK stores them: user and assistant messages, and
    every fifth turn a function call and its output before the answer."""
    items: list[dict] = []
    turn = 0
    while len(items) < count:
        turn += 1
        items.append({"role": "user", "content": text(rng)})
        if turn % 5 == 0 and count - len(items) >= 3:
            call = f"call_{tag}_{turn}"
            items.append({"arguments": '{"a": 2, "b": 3}', "call_id": call, "name": "add", "type": "function_call",
                          "id": f"fc_{tag}_{turn}", "status": "completed"})
            items.append({"call_id": call, "output": "5", "type": "function_call_output"})
        items.append({"id": f"msg_{tag}_{turn}", "content": [{"annotations": [], "text": text(rng), "type": "output_text",
                      "logprobs": []}], "role": "assistant", "status": "completed", "type": "message"})
    return items[:count]


def make_agents(path: Path, messages: int, advanced: bool) -> int:
    """SQLiteSession's (or AdvancedSQLiteSession's) file; returns the messages written."""
    if advanced:
        from agents.extensions.memory import AdvancedSQLiteSession

        AdvancedSQLiteSession(session_id="setup", db_path=path, create_tables=True).close()
    else:
        from agents import SQLiteSession

        SQLiteSession("setup", path).close()
    rng = random.Random(22)
    per = 200
    conn = sqlite3.connect(path)
    written = 0
    for k in range(max(1, messages // per)):
        sid = f"session-{k:05d}"
        count = per if (k + 1) * per <= messages else messages - k * per
        items = agent_items(rng, count if not advanced else count - count // 4, sid)
        conn.execute("INSERT OR IGNORE INTO agent_sessions (session_id) VALUES (?)", (sid,))
        first = conn.execute("select coalesce(max(id), 0) from agent_messages").fetchone()[0] + 1
        conn.executemany("INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)",
                         [(sid, json.dumps(item)) for item in items])
        written += len(items)
        if advanced:
            written += _advanced_rows(conn, rng, sid, items, first, count - len(items))
    conn.commit()
    conn.close()
    return written


def _advanced_rows(conn, rng, sid, items, first, extra) -> int:
    """message_structure rows of main and of a branch made from the middle turn (sharing the
    rows before it, then ``extra`` items of its own), and a turn_usage row per turn."""
    rows, turn, seq = [], 0, 0
    for offset, item in enumerate(items):
        turn += item.get("role") == "user"
        seq += 1
        rows.append((sid, first + offset, "main", "user" if item.get("role") == "user" else "assistant", seq, turn, turn))
    middle = turn // 2
    copied = [r for r in rows if r[6] < middle]
    own = agent_items(rng, extra, sid + "-b")
    start = first + len(items)
    conn.executemany("INSERT INTO agent_messages (session_id, message_data) VALUES (?, ?)",
                     [(sid, json.dumps(item)) for item in own])
    branch_turn = middle - 1
    for r in copied:
        seq += 1
        rows.append((sid, r[1], "alt", r[3], seq, r[5], r[6]))
    for offset, item in enumerate(own):
        branch_turn += item.get("role") == "user"
        seq += 1
        rows.append((sid, start + offset, "alt", "user" if item.get("role") == "user" else "assistant", seq,
                     branch_turn, branch_turn))
    conn.executemany("INSERT INTO message_structure (session_id, message_id, branch_id, message_type, "
                     "sequence_number, user_turn_number, branch_turn_number) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    usage = {(r[2], r[5]) for r in rows}
    conn.executemany("INSERT OR REPLACE INTO turn_usage (session_id, branch_id, user_turn_number, requests, input_tokens, "
                     "output_tokens, total_tokens, input_tokens_details, output_tokens_details) "
                     "VALUES (?, ?, ?, 1, 120, 30, 150, ?, ?)",
                     [(sid, b, t, '{"cached_tokens": 0}', '{"reasoning_tokens": 0}') for b, t in usage])
    return len(own)


# -- simonw/llm --


def _ulid(k: int) -> str:
    return f"01j{k:023d}"


def make_llm_legacy(path: Path, messages: int) -> int:
    """llm's legacy tables (its own migrations make them), 100 responses a conversation."""
    import sqlite_utils
    from llm.migrations import migrate

    db = sqlite_utils.Database(path)
    migrate(db)
    db.close()
    rng = random.Random(23)
    conn = sqlite3.connect(path)
    per = 200
    written, k = 0, 0
    for c in range(max(1, messages // per)):
        cid = _ulid(10**9 + c)
        conn.execute("insert into conversations (id, name, model) values (?, ?, ?)", (cid, f"conversation {c}", "gpt-4o"))
        target = per if (c + 1) * per <= messages else messages - c * per
        rows, calls, results = [], [], []
        made = 0
        while made < target:
            k += 1
            rid = _ulid(k)
            prompt, reply = text(rng), text(rng)
            if made and made % 20 == 0 and target - made >= 4:  # a tool call, then the chain's next call
                rows.append((rid, "gpt-4o", prompt, None, "{}", "", cid, 850, "2025-01-31T12:00:00+00:00", 40, 12))
                calls.append((rid, "add", '{"a": 2, "b": 3}', f"call_{k}"))
                k += 1
                rows.append((_ulid(k), "gpt-4o", "", None, "{}", reply, cid, 900, "2025-01-31T12:00:01+00:00", 60, 30))
                results.append((_ulid(k), "add", "5", f"call_{k - 1}"))
                made += 4
                continue
            rows.append((rid, "gpt-4o", prompt, None, "{}", reply, cid, 1200, "2025-01-31T12:00:00+00:00", 50, 80))
            made += 2
        conn.executemany("insert into responses (id, model, prompt, system, options_json, response, conversation_id, "
                         "duration_ms, datetime_utc, input_tokens, output_tokens) values (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                         "?, ?)", rows)
        conn.executemany("insert into tool_calls (response_id, name, arguments, tool_call_id) values (?, ?, ?, ?)", calls)
        conn.executemany("insert into tool_results (response_id, name, output, tool_call_id) values (?, ?, ?, ?)",
                         results)
        written += made
    conn.commit()
    conn.close()
    return written


def make_llm_store(path: Path, messages: int) -> int:
    """llm's message store (its own migrations make it): threads of 200 messages, hashed by
    llm's message_hash, each with a fork from its middle continued for 20 messages."""
    import sqlite_utils
    from llm.logs import message_hash
    from llm.migrations import migrate
    from llm.parts import Message, TextPart, ToolCallPart, ToolResultPart

    db = sqlite_utils.Database(path)
    migrate(db)
    db.close()
    rng = random.Random(24)
    conn = sqlite3.connect(path)
    per, fork_length = 200, 20
    written, part_id = 0, 0

    def chain(parent, count, tag):
        nonlocal part_id
        rows, parts, hashes = [], [], []
        for n in range(count):
            if n % 20 == 10 and count - n >= 3:
                pieces = [ToolCallPart(name="add", arguments={"a": 2, "b": 3}, tool_call_id=f"tc_{tag}_{n}")]
                role = "assistant"
            elif n % 20 == 11 and hashes:
                pieces = [ToolResultPart(name="add", output="5", tool_call_id=f"tc_{tag}_{n - 1}")]
                role = "tool"
            else:
                pieces = [TextPart(text=text(rng))]
                role = "user" if n % 2 == 0 else "assistant"
            message = Message(role=role, parts=pieces)
            digest = message_hash(message, parent)
            rows.append((digest, parent, role, None))
            for position, piece in enumerate(pieces):
                part_id += 1
                payload = piece.to_dict()
                kind = payload.pop("type")
                literal = payload.pop("text", None)
                parts.append((part_id, digest, position, kind, payload.get("name"), literal,
                              json.dumps(payload) if payload else None))
            hashes.append(digest)
            parent = digest
        conn.executemany("insert into messages (hash, parent_hash, role, provider_metadata) values (?, ?, ?, ?)", rows)
        conn.executemany("insert into parts (id, message_hash, position, type, tool_name, text, payload) "
                         "values (?, ?, ?, ?, ?, ?, ?)", parts)
        return hashes

    def turns(tid, hashes, start):
        rows = []
        for n in range(1, len(hashes), 2):
            rows.append((f"turn-{tid}-{n}", tid, hashes[n - 1] if n > 1 else start, hashes[n], "gpt-4o", 50, 80,
                         1200, f"2025-01-31T12:{n // 60:02d}:{n % 60:02d}+00:00"))
        conn.executemany("insert into turns (id, thread_id, parent_message_hash, tip_message_hash, model, "
                         "input_tokens, output_tokens, duration_ms, datetime_utc) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         rows)

    for t in range(max(1, messages // per)):
        tid = _ulid(2 * 10**9 + t)
        target = per if (t + 1) * per <= messages else messages - t * per
        main = chain(None, target - fork_length if target > 2 * fork_length else target, tid)
        conn.execute("insert into threads (id, name, tip_message_hash, forked_from, datetime_utc) values (?, ?, ?, ?, ?)",
                     (tid, f"thread {t}", main[-1], None, "2025-01-31 12:00:00+00:00"))
        turns(tid, main, None)
        written += len(main)
        if target > 2 * fork_length:
            point = main[len(main) // 2 - 1]
            fork = chain(point, fork_length, tid + "f")
            conn.execute("insert into threads (id, name, tip_message_hash, forked_from, datetime_utc) "
                         "values (?, ?, ?, ?, ?)", (tid + "f", "fork", fork[-1], tid, "2025-01-31 13:00:00+00:00"))
            turns(tid + "f", fork, point)
            written += len(fork)
    conn.commit()
    conn.close()
    return written


# -- LangGraph --


def make_langgraph(path: Path, messages: int) -> int:
    """SqliteSaver's tables (its setup makes them), threads of 10 messages: per turn an input
    checkpoint, one after the input, one after the reply, each serialised by LangGraph's own
    serializer with the whole message list."""
    import uuid

    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.checkpoint.serde.jsonplus import _msgpack_default
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    rng = random.Random(25)
    per = 10  # each checkpoint repeats the history: the file grows with the square of a thread's length
    written, counter = 0, 0
    rows = []
    for t in range(max(1, messages // per)):
        tid = f"thread-{t:05d}"
        target = per if (t + 1) * per <= messages else messages - t * per
        history: list = []
        parent = None

        def put(source, step):
            nonlocal parent, counter
            counter += 1
            cid = str(uuid.UUID(int=(0x1F << 120) | counter))
            checkpoint = {"v": 4, "ts": f"2025-01-31T12:00:{counter % 60:02d}+00:00", "id": cid,
                          "channel_values": {"messages": list(history)} if history else {},
                          "channel_versions": {"messages": f"{counter:032d}.0.5"}, "versions_seen": {},
                          "updated_channels": ["messages"]}
            kind, blob = saver.serde.dumps_typed(checkpoint)
            meta = json.dumps({"source": source, "step": step, "parents": {}})
            rows.append((tid, "", cid, parent, kind, blob, meta))
            parent = cid

        step = -1
        while len(history) < target:
            put("input", step)
            history.append(_msgpack_default(HumanMessage(text(rng, 40, 300), id=str(uuid.UUID(int=rng.getrandbits(128))))))
            put("loop", step + 1)
            if len(history) < target:
                usage = {"input_tokens": 50, "output_tokens": 80, "total_tokens": 130}
                history.append(_msgpack_default(AIMessage(text(rng, 40, 300), id=str(uuid.UUID(int=rng.getrandbits(128))),
                                                          usage_metadata=usage)))
                put("loop", step + 2)
            step += 3
        written += len(history)
        if len(rows) > 20_000:
            conn.executemany("insert into checkpoints values (?, ?, ?, ?, ?, ?, ?)", rows)
            rows.clear()
    conn.executemany("insert into checkpoints values (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return written


SOURCES = {
    "openai-agents": lambda path, n: make_agents(path, n, advanced=False),
    "openai-agents (advanced)": lambda path, n: make_agents(path, n, advanced=True),
    "llm (legacy tables)": make_llm_legacy,
    "llm (message store)": make_llm_store,
    "langgraph": make_langgraph,
    "langgraph (without ormsgpack)": make_langgraph,
}


# -- the baselines: the same rows read, decoded and written with no engine --


def _baseline_rows(source: str, conn: sqlite3.Connection):
    loads, dumps = orjson.loads, orjson.dumps
    if source.startswith("openai-agents"):
        for sid, mid, data in conn.execute("select session_id, id, message_data from agent_messages order by session_id, id"):
            item = loads(data)
            yield sid, str(mid), None, item.get("role") or "assistant", str(item.get("content")), data
    elif source == "llm (legacy tables)":
        for row in conn.execute("select conversation_id, id, prompt, response, model, datetime_utc, input_tokens, "
                                "output_tokens from responses order by conversation_id, rowid"):
            yield row[0], row[1] + ":prompt", None, "user", row[2], None
            yield row[0], row[1], None, "assistant", row[3], dumps(row[4:]).decode()
    elif source == "llm (message store)":
        for digest, parent, role, literal, payload in conn.execute(
            "select m.hash, m.parent_hash, m.role, p.text, p.payload from messages m join parts p "
            "on p.message_hash = m.hash order by m.rowid, p.position"
        ):
            yield None, digest, parent, role, literal or "", payload and dumps(loads(payload)).decode()
    else:
        import ormsgpack

        def ext(code, data):
            return ormsgpack.unpackb(data, ext_hook=ext, option=ormsgpack.OPT_NON_STR_KEYS)

        for tid, blob in conn.execute("select thread_id, checkpoint from checkpoints c where checkpoint_id = "
                                      "(select max(checkpoint_id) from checkpoints where thread_id = c.thread_id)"):
            state = ormsgpack.unpackb(blob, ext_hook=ext, option=ormsgpack.OPT_NON_STR_KEYS)
            previous = None
            for message in state["channel_values"].get("messages", []):
                fields = message[2]
                yield tid, fields["id"], previous, fields["type"], fields["content"], dumps(fields).decode()
                previous = fields["id"]


def _child_baseline(source: str, src: str, db: str) -> dict:
    target = sqlite3.connect(db)
    target.execute("pragma journal_mode=wal")
    target.execute("create table entries (thread_id, source_id, parent, role, content, item)")
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target.execute("begin immediate")
    target.executemany("insert into entries values (?, ?, ?, ?, ?, ?)", _baseline_rows(source, conn))
    target.execute("commit")
    seconds = time.perf_counter() - started
    count = target.execute("select count(*) from entries").fetchone()[0]
    conn.close()
    target.close()
    return {"seconds": seconds, "entries": count}


def _span(values) -> str:
    found = sorted(values)
    return f"{found[0]:.2f}-{found[-1]:.2f}"


def _waited() -> float | None:
    """Seconds this process has been ready to run but waiting for a CPU (Linux's
    /proc/self/schedstat), None where that is not known."""
    try:
        with open("/proc/self/schedstat", encoding="ascii") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def _child_import(source: str, src: str, db: str) -> dict:
    if source.endswith("(without ormsgpack)"):
        sys.modules["ormsgpack"] = None  # as if it were not installed
    import threadtree
    from threadtree.formats import import_file

    before = (Path(db).read_bytes(), Path(db).stat().st_mtime_ns) if Path(db).exists() else None
    with threadtree.open(db) as store:
        started, cpu, waited = time.perf_counter(), time.process_time(), _waited()
        report = import_file(store, src)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = _waited()
        waited = None if waited is None or after is None else after - waited
        entries = sum(t.entry_count or 0 for t in store.list_threads(limit=None))
    untouched = before is not None and (Path(db).read_bytes(), Path(db).stat().st_mtime_ns) == before
    from threadtree.formats import langgraph

    return {"seconds": seconds, "cpu": cpu, "waited": waited, "entries": entries, "added": report.added, "format": report.format,
            "ormsgpack": langgraph._unpackb is not None,
            "statuses": sorted({o.status for o in report.outcomes}), "untouched": untouched,
            "skipped": [o.reason for o in report.skipped][:3]}


def _measure(kind: str, source: str, src: Path, db: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, source, str(src), str(db)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run of {source} failed:\n{done.stderr}")
    return orjson.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages a source (default 100,000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement (default 3; medians)")
    parser.add_argument("--only", action="append", choices=sorted(SOURCES), help="measure this source (repeatable)")
    parser.add_argument("--child", nargs=4, metavar=("KIND", "SOURCE", "SRC", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, source, src, db = args.child
        result = (_child_baseline if kind == "baseline" else _child_import)(source, src, db)
        sys.stdout.write(orjson.dumps(result).decode())
        return 0

    import threadtree

    print(f"threadtree {threadtree.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    table, spans = [], []
    with tempfile.TemporaryDirectory(prefix="threadtree-peers-") as tmp:
        for source in args.only or list(SOURCES):
            src = Path(tmp) / f"{source.split()[0]}-{len(table)}.db"
            started = time.perf_counter()
            made = SOURCES[source](src, args.messages)
            print(f"{source}: {made:,} messages, {src.stat().st_size / 1e6:,.1f} MB "
                  f"(made in {time.perf_counter() - started:.1f} s, not timed)", flush=True)
            runs: dict[str, list[dict]] = {"import": [], "reimport": [], "baseline": []}
            for k in range(args.rounds):
                db = Path(tmp) / f"import-{len(table)}-{k}.db"
                order = ("import", "baseline") if k % 2 == 0 else ("baseline", "import")
                for kind in order:
                    if kind == "baseline":
                        runs[kind].append(_measure(kind, source, src, Path(tmp) / f"base-{len(table)}-{k}.db"))
                    else:
                        runs["import"].append(_measure("import", source, src, db))
                        runs["reimport"].append(_measure("import", source, src, db))
            first, again, base = runs["import"], runs["reimport"], runs["baseline"]
            assert all(r["added"] == made == r["entries"] and not r["skipped"] for r in first), first
            assert all(r["ormsgpack"] != source.endswith("(without ormsgpack)") for r in first), first
            assert all(r["statuses"] == ["unchanged"] and r["added"] == 0 and r["untouched"] for r in again), again
            assert all(r["entries"] >= made * 0.5 for r in base), base
            t_imp, t_again, t_base = (statistics.median(r["seconds"] for r in rs) for rs in (first, again, base))
            waits = [r["seconds"] - r["waited"] for r in first if r["waited"] is not None]
            t_own = statistics.median(waits) if waits else None
            table.append((source, made, t_imp, statistics.median(r["cpu"] for r in first), t_own, t_again, t_base))
            spans.append(f"{source}: import {_span(r['seconds'] for r in first)}, CPU {_span(r['cpu'] for r in first)}"
                         + (f", not waiting {_span(waits)}" if waits else "") + f", re-import {_span(r['seconds'] for r in again)}")
    print()
    header = ("source", "import", "messages/s", "CPU", "messages/CPU s", "not waiting", "messages/s", "re-import",
              "baseline", "import / baseline", "target")
    rows = [header] + [
        (source, f"{t_imp:.2f} s", f"{made / t_imp:,.0f}", f"{t_cpu:.2f} s", f"{made / t_cpu:,.0f}",
         "-" if t_own is None else f"{t_own:.2f} s", "-" if t_own is None else f"{made / t_own:,.0f}",
         f"{t_again:.2f} s", f"{t_base:.2f} s", f"{t_imp / t_base:.2f}x", "met" if made / t_imp >= TARGET else "MISSED")
        for source, made, t_imp, t_cpu, t_own, t_again, t_base in table
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\nfastest-slowest of the {args.rounds} runs (seconds), load average {os.getloadavg()[0]:.1f} at the end:")
    for line in spans:
        print(f"  {line}")
    print(f"\n({args.rounds} run(s) of each, in fresh processes on new files; times are medians; the re-import "
          f"wrote nothing; target {TARGET:,} messages/s of wall time. On a machine other work is loading, compare the "
          f"CPU time of the importing process, and 'not waiting': the import's wall time less the time it was ready "
          f"to run but waited for a CPU (/proc/self/schedstat), what is left of the wall time with a CPU to itself: "
          f"its CPU time and its waits for the disk)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
