"""ChatGPT import benchmark: a synthetic 100,000-message conversations.json imported into a new file.

    python benchmarks/import_chatgpt.py                    # 100,000 messages (about 2-3 min)
    python benchmarks/import_chatgpt.py --messages 2000    # a smoke run
    python benchmarks/import_chatgpt.py --rounds 5         # more rounds on a busy machine

The export is written like a real one (docs/formats.md section 2): 200 nodes a conversation, each
conversation with a root (``message: null``), a hidden system node, turns of 300-3,100
characters of text (a node is about 2.5 KB of JSON, as in real exports) (with newlines, non-ASCII and a few escapes), edited user messages and
regenerated replies (sibling branches), browsing tool chains (``code`` -> ``tether_*``), and a
mapping whose order is not topological. Building it is not timed.

Measured, each in a fresh subprocess so that peak memory (``ru_maxrss``) is the import's own:

* **import**: ``threadtree.formats.import_file`` into a new file (engine included), with the
  store's default settings (synchronous FULL, conversations committed together up to 2,000
  messages a transaction); 3 rounds (``--rounds``), each running the import and the baseline
  back to back in alternating order.
* **re-import**: the same file imported again into the file the import made, in another fresh
  process: every conversation must come back "unchanged" and the database file must keep its
  bytes and modification time (nothing written).
* **baseline**: what the same work costs without threadtree: ``orjson.loads`` of the whole file
  plus one raw APSW ``executemany`` of as many rows (thread id, parent, role, content, item
  JSON) into a plain table, in one transaction.

Each time is the median over rounds with its range; "CPU" is the process's own CPU time over
the same span, which a machine busy with other work inflates much less than the wall time. A
ratio is the median (range) of the per-round ratios.

Targets (issue 5): 100,000 messages import in under 15 s (2 cores); peak memory under 3x the
file size. Issue 14: a re-import of an unchanged file writes nothing and takes much less time
than the first import (it took longer). Issue 20: at least 10,000 messages/s, and the import
within 1.5x of the baseline.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

TARGET_SECONDS = 15.0
TARGET_MEMORY_RATIO = 3.0

WORDS = (
    "the of and to in is that for it as with was on be by this are or from at an which have not "
    "but they you all can one more if will do about there so what their would up out them some "
    "function return value error file data model tree branch thread message reply conversation "
    "database query index python sqlite json import export result example because however "
    "café naïve résumé Straße déjà über 東京 データ 🙂 — “quoted” ‘single’ → ≤ ≥ ±"
).split()


class _Ids:
    """Deterministic uuid-shaped ids (uuid4 would make two runs differ)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def _text(rng: random.Random) -> str:
    """300-3,100 characters in paragraphs, sometimes with a code block and quotes to escape."""
    target = rng.randint(300, 3100)
    paragraphs, size = [], 0
    while size < target:
        words = rng.choices(WORDS, k=rng.randint(20, 60))
        paragraph = " ".join(words).capitalize() + "."
        if rng.random() < 0.1:
            paragraph += '\n\n```python\nprint("hello\\tworld")  # a "quoted" \\ backslash\n```'
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:target]


def _message(ids, role, content, t, *, name=None, recipient="all", weight=1.0, end_turn=None,
             hidden=False, parent=None, model="gpt-4o"):
    metadata = {
        "finish_details": {"type": "stop", "stop_tokens": [200002]} if role == "assistant" else None,
        "is_complete": True,
        "citations": [],
        "content_references": [],
        "message_type": None,
        "model_slug": model if role != "user" else None,
        "default_model_slug": model,
        "parent_id": parent,
        "request_id": f"{ids()[:18]}-IAD",
        "timestamp_": "absolute",
    }
    if hidden:
        metadata["is_visually_hidden_from_conversation"] = True
    return {
        "id": ids(),
        "author": {"role": role, "name": name, "metadata": {}},
        "create_time": t,
        "update_time": None,
        "content": content,
        "status": "finished_successfully",
        "end_turn": end_turn,
        "weight": weight,
        "metadata": metadata,
        "recipient": recipient,
        "channel": None,
    }


def conversation(rng: random.Random, ids, nodes: int, t0: float) -> dict:
    """One conversation object of exactly ``nodes`` mapping nodes (at least 3)."""
    mapping: dict[str, dict] = {}
    t = t0

    def add(parent, message):
        node_id = message["id"] if message else f"aaa1{ids()[4:]}"
        mapping[node_id] = {"id": node_id, "message": message, "parent": parent, "children": []}
        if parent is not None:
            mapping[parent]["children"].append(node_id)
        return node_id

    def text(parts):
        return {"content_type": "text", "parts": parts}

    root = add(None, None)
    system = add(root, _message(ids, "system", text([""]), None, weight=0.0, end_turn=True, hidden=True))
    tip = current = last_user = system
    while len(mapping) < nodes:
        room = nodes - len(mapping)
        t += rng.uniform(5, 120)
        kind = rng.random()
        if kind < 0.06 and last_user != system:
            # an edited user message: a second user child of the previous message's parent
            tip = mapping[last_user]["parent"]
        user = last_user = add(tip, _message(ids, "user", text([_text(rng)]), t, parent=tip))
        room -= 1
        if room == 0:
            current = user
            break
        parent = user
        if rng.random() < 0.08 and room >= 5:  # a browsing chain: call, display, call, quote
            for step in range(4):
                t += 0.01
                if step % 2 == 0:
                    content = {"content_type": "code", "language": "unknown", "text": f'search("{_text(rng)[:60]}")'}
                    msg = _message(ids, "assistant", content, t, recipient="browser", end_turn=False, parent=parent)
                else:
                    content = {"content_type": "tether_browsing_display", "result": _text(rng), "summary": None,
                               "assets": []}
                    msg = _message(ids, "tool", content, t, name="browser", weight=0.0, parent=parent)
                parent = add(parent, msg)
            room -= 4
        reply = add(parent, _message(ids, "assistant", text([_text(rng)]), t + 3, end_turn=True, parent=parent))
        room -= 1
        if rng.random() < 0.05 and room >= 1:  # a regenerated reply: a second assistant child
            reply = add(parent, _message(ids, "assistant", text([_text(rng)]), t + 30, end_turn=True, parent=parent))
        tip = current = reply
    keys = list(mapping)
    if rng.random() < 0.5:  # real exports are not in topological order (the system node first)
        keys[0], keys[1] = keys[1], keys[0]
    conversation_id = ids()
    return {
        "title": " ".join(rng.choices(WORDS, k=4)).capitalize(),
        "create_time": t0,
        "update_time": t,
        "mapping": {k: mapping[k] for k in keys},
        "moderation_results": [],
        "current_node": current,
        "plugin_ids": None,
        "conversation_id": conversation_id,
        "conversation_template_id": None,
        "gizmo_id": None,
        "is_archived": False,
        "safe_urls": [],
        "default_model_slug": "gpt-4o",
        "id": conversation_id,
    }


def write_export(path: Path, messages: int, per_conversation: int = 200, seed: int = 5) -> int:
    """Write a conversations.json of ``messages`` mapping nodes; returns the conversation count.
    Conversations are written one at a time, as a streaming exporter would."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    count = max(1, messages // per_conversation)
    sizes = [per_conversation] * count
    sizes[-1] += messages - per_conversation * count
    t0 = 1_700_000_000.123456
    with open(path, "wb") as out:
        out.write(b"[")
        for k, size in enumerate(sizes):
            if k:
                out.write(b", ")
            out.write(orjson.dumps(conversation(rng, ids, max(size, 3), t0 + k * 3600.5)))
        out.write(b"]")
    return count


# -- measuring, each in a fresh process --


def _cpu() -> float:
    """CPU seconds this process has used (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss() -> int:
    """Peak resident set of this process in bytes (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _child_import(export: str, db: str) -> dict:
    import threadtree
    from threadtree.formats import import_file
    from threadtree.store import database_of

    start_rss = _peak_rss()
    with threadtree.open(db) as store:
        gc.collect()
        started, cpu = time.perf_counter(), _cpu()
        report = import_file(store, export, format="chatgpt")
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        entries = database_of(store).engine().connection.execute("select count(*) from entries").get
    return {"seconds": seconds, "cpu": cpu, "peak": _peak_rss(), "start_peak": start_rss, "entries": entries,
            "imported": len(report.imported), "skipped": len(report.skipped)}


def _child_reimport(export: str, db: str) -> dict:
    import threadtree
    from threadtree.formats import import_file
    from threadtree.store import database_of

    before = (Path(db).read_bytes(), Path(db).stat().st_mtime_ns)
    with threadtree.open(db) as store:
        gc.collect()
        started, cpu = time.perf_counter(), _cpu()
        report = import_file(store, export, format="chatgpt")
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    untouched = (Path(db).read_bytes(), Path(db).stat().st_mtime_ns) == before
    return {"seconds": seconds, "cpu": cpu, "peak": _peak_rss(), "unchanged": len(report.unchanged),
            "conversations": len(report.outcomes), "untouched": untouched}


def _child_baseline(export: str, db: str) -> dict:
    """orjson.loads of the whole file, then one executemany of a row per node in one
    transaction: the least any importer must do."""
    import apsw

    start_rss = _peak_rss()
    conn = apsw.Connection(db)
    conn.pragma("journal_mode", "wal")
    conn.execute(
        "create table entries (thread_id text, source_id text, parent text, role text, content text, item text)"
    )
    gc.collect()
    started, cpu = time.perf_counter(), _cpu()
    with open(export, "rb") as f:
        conversations = orjson.loads(f.read())
    dumps = orjson.dumps

    def rows():
        for c in conversations:
            for key, node in c["mapping"].items():
                message = node["message"] or {}
                parts = (message.get("content") or {}).get("parts") or []
                text = "\n".join(p for p in parts if isinstance(p, str))
                role = (message.get("author") or {}).get("role", "other")
                yield c["id"], key, node["parent"], role, text, dumps(node).decode()

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("insert into entries values (?, ?, ?, ?, ?, ?)", rows())
    conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    entries = conn.execute("select count(*) from entries").get
    conn.close()
    return {"seconds": seconds, "cpu": cpu, "peak": _peak_rss(), "start_peak": start_rss, "entries": entries}


def _measure(kind: str, export: Path, db: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(export), str(db)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr}")
    return orjson.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="mapping nodes in the export (default 100,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of import + baseline (default 3)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "EXPORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.messages < 3:
        parser.error("--messages must be at least 3 (a root, a system node and a message)")
    if args.child:
        kind, export, db = args.child
        child = {"import": _child_import, "reimport": _child_reimport, "baseline": _child_baseline}[kind]
        result = child(export, db)
        sys.stdout.write(orjson.dumps(result).decode())
        return 0

    import apsw

    import threadtree

    print(f"threadtree {threadtree.__version__}, apsw {apsw.apsw_version()}, orjson {orjson.__version__}, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory(prefix="threadtree-bench-") as tmp:
        export = Path(tmp) / "conversations.json"
        started = time.perf_counter()
        conversations = write_export(export, args.messages)
        size = export.stat().st_size
        print(f"export: {args.messages:,} messages in {conversations:,} conversations, {size / 1e6:,.1f} MB "
              f"({size / args.messages / 1e3:.2f} KB a message; written in {time.perf_counter() - started:.1f} s, "
              "not timed)")
        runs: dict[str, list[dict]] = {"import": [], "reimport": [], "baseline": []}
        for k in range(max(1, args.rounds)):
            for kind in ("import", "baseline") if k % 2 == 0 else ("baseline", "import"):
                runs[kind].append(_measure(kind, export, Path(tmp) / f"{kind}-{k}.db"))
                if kind == "import":  # the same file again, into the file just made
                    runs["reimport"].append(_measure("reimport", export, Path(tmp) / f"import-{k}.db"))
                    Path(tmp, f"import-{k}.db").unlink()  # 300 MB a round

    imp, base, again = runs["import"], runs["baseline"], runs["reimport"]
    assert all(r["entries"] == args.messages for r in imp + base), (imp, base)
    assert all(r["unchanged"] == r["conversations"] == conversations and r["untouched"] for r in again), again

    def spread(values, fmt):
        values = list(values)
        return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"

    def secs(v):
        return f"{v:,.2f} s"

    def times(v):
        return f"{v:.2f}x"

    n = args.messages
    peak = max(r["peak"] for r in imp)
    peak_base = max(r["peak"] for r in base)
    target = TARGET_SECONDS * n / 100_000
    t_imp = statistics.median(r["seconds"] for r in imp)
    note = "" if n == 100_000 else f" (15 s scaled to {n:,} messages)"
    rows = [
        ("measure", "wall time", "messages/s", "CPU time", "messages/CPU s", ""),
        ("import (engine included)", spread((r["seconds"] for r in imp), secs),
         f"{n / t_imp:,.0f}", spread((r["cpu"] for r in imp), secs),
         f"{n / statistics.median(r['cpu'] for r in imp):,.0f}",
         f"{t_imp / target:.2f} of the {target:,.2f} s target{note}; >= 10,000 messages/s"),
        ("re-import, nothing changed", spread((r["seconds"] for r in again), secs),
         f"{n / statistics.median(r['seconds'] for r in again):,.0f}", spread((r["cpu"] for r in again), secs),
         f"{n / statistics.median(r['cpu'] for r in again):,.0f}", "wrote nothing"),
        ("baseline: orjson + executemany", spread((r["seconds"] for r in base), secs),
         f"{n / statistics.median(r['seconds'] for r in base):,.0f}", spread((r["cpu"] for r in base), secs),
         f"{n / statistics.median(r['cpu'] for r in base):,.0f}", ""),
        ("import / baseline", spread((i["seconds"] / b["seconds"] for i, b in zip(imp, base)), times), "",
         spread((i["cpu"] / b["cpu"] for i, b in zip(imp, base)), times), "", "<= 1.5x"),
        ("import / re-import", spread((i["seconds"] / a["seconds"] for i, a in zip(imp, again)), times), "",
         spread((i["cpu"] / a["cpu"] for i, a in zip(imp, again)), times), "", ""),
        ("peak memory, import", f"{peak / 1e6:,.0f} MB", f"{peak / size:.2f}x the file", "", "",
         f"target < {TARGET_MEMORY_RATIO:.0f}x (interpreter at start: {imp[0]['start_peak'] / 1e6:,.0f} MB)"),
        ("peak memory, baseline", f"{peak_base / 1e6:,.0f} MB", f"{peak_base / size:.2f}x the file", "", "", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\n({len(imp)} round(s), each process fresh and each file new; medians (range); "
          f"load average {os.getloadavg()[0]:.1f} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
