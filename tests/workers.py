"""Worker processes for the concurrency tests, run as ``python workers.py COMMAND ...``.

Each worker prints ``ready``, waits for a line on stdin (so that every worker starts
writing at the same moment), does its work and prints one line per acknowledged result:
a write is reported only after the call that made it has returned.

    append DB THREAD COUNT NAME      append COUNT entries ("NAME-k"); print each id
    keyed DB THREAD COUNT            append COUNT entries "k" with source_id "key-k"; print each id
                                     (several workers with the same keys: retries racing)
    open DB [DB ...]                 open (maybe creating) each DB in turn; print user_versions
    mix DB SEED NAME THREAD[,THREAD] write a random mix until killed (test_crash.py): appends,
                                     extends, forks from and rewinds to random earlier entries,
                                     new threads. Before each write it prints ``want {json}``
                                     (the call it is making), after the call returned ``done
                                     {json}`` (what it got); contents are NAME-SEQ[-k], new
                                     thread ids NAME-SEQ, so an unacknowledged write in the file
                                     can be traced to the call that was in flight.
    forkserver                       print "ready", then obey stdin lines, for tests that start
                                     many short-lived workers (a fork costs a few ms, starting
                                     Python and importing threadtree ~0.5 s of CPU):
        mix OUT DB SEED NAME THREADS   fork a child that runs ``mix`` at once (no ready/go),
                                       stdout to OUT.out, stderr to OUT.err; print its pid
        wait PID                       reap that child; print its exit code (-9: SIGKILL)
                                     The server itself never opens a database, so no SQLite
                                     connection crosses a fork.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback

import threadtree
from threadtree.store import database_of


def main(argv: list[str]) -> int:
    command, *rest = argv
    print("ready", flush=True)
    sys.stdin.readline()
    if command == "append":
        db, thread_id, count, name = rest
        with threadtree.open(db) as store:
            for k in range(int(count)):
                print(store.append(thread_id, "user", f"{name}-{k}").id, flush=True)
    elif command == "keyed":
        db, thread_id, count = rest
        with threadtree.open(db) as store:
            for k in range(int(count)):
                print(store.append(thread_id, "user", str(k), source_id=f"key-{k}").id, flush=True)
    elif command == "open":
        for db in rest:
            with threadtree.open(db) as store:
                print(database_of(store).engine().connection.pragma("user_version"), flush=True)
    elif command == "mix":
        db, seed, name, threads = rest
        _mix(db, random.Random(seed), name, threads.split(","))
    elif command == "forkserver":
        _forkserver()
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


def _mix(db: str, rng: random.Random, name: str, threads: list[str]) -> None:
    """Random writes, each announced (``want``) and acknowledged (``done``) on stdout."""

    def say(tag: str, record: dict) -> None:
        print(tag, json.dumps(record), flush=True)

    def added(entries: list[threadtree.Entry]) -> list[list]:
        for e in entries:
            known.setdefault(e.thread_id, []).append(e.id)
        return [[e.id, e.thread_id, e.parent_id, e.content] for e in entries]

    known: dict[str, list[int]] = {tid: [] for tid in threads}
    mine: list[str] = []
    deadline = time.monotonic() + 60  # "until killed", but never for ever if the test is gone
    with threadtree.open(db) as store:
        for seq in range(1_000_000):
            if time.monotonic() > deadline:
                break
            tid = rng.choice(mine) if mine and rng.random() < 0.2 else rng.choice(threads)
            ids = known[tid]
            roll = rng.random()
            if roll < 0.1:  # learn the ids others wrote: a read, nothing to acknowledge
                known[tid] = sorted(set(ids) | {e.id for e in store.path(tid, limit=20)})
                continue
            content = f"{name}-{seq}"
            if roll < 0.5 or not ids:
                say("want", {"seq": seq, "op": "append", "thread": tid})
                say("done", {"seq": seq, "entries": added([store.append(tid, "user", content)])})
            elif roll < 0.65:
                messages = [{"role": rng.choice(["user", "assistant", "tool"]), "content": f"{content}-{k}"}
                            for k in range(rng.randint(2, 5))]
                say("want", {"seq": seq, "op": "extend", "thread": tid, "count": len(messages)})
                say("done", {"seq": seq, "entries": added(store.extend(tid, messages))})
            elif roll < 0.8:
                parent = rng.choice(ids[-30:])
                say("want", {"seq": seq, "op": "fork", "thread": tid, "parent": parent})
                say("done", {"seq": seq, "entries": added([store.fork(parent, "assistant", content)])})
            elif roll < 0.93:
                target = rng.choice(ids[-30:])
                say("want", {"seq": seq, "op": "rewind", "thread": tid, "to": target})
                store.rewind(tid, target)
                say("done", {"seq": seq})
            else:
                say("want", {"seq": seq, "op": "create", "thread": content})
                store.create_thread(content, thread_id=content)
                mine.append(content)
                known[content] = []
                say("done", {"seq": seq})


def _forkserver() -> None:
    while line := sys.stdin.readline():
        command, *args = line.split()
        if command == "mix":
            out, db, seed, name, threads = args
            # The files exist before the child runs, even if it is killed at once.
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            fds = [os.open(out + suffix, flags, 0o644) for suffix in (".out", ".err")]
            pid = os.fork()
            if pid == 0:
                _child(fds, _mix, db, random.Random(seed), name, threads.split(","))
            for fd in fds:
                os.close(fd)
            print(pid, flush=True)
        elif command == "wait":
            _, status = os.waitpid(int(args[0]), 0)
            print(os.waitstatus_to_exitcode(status), flush=True)
        else:
            raise SystemExit(f"unknown forkserver command {command!r}")


def _child(fds: list[int], work, *args) -> None:
    """In a forked child: stdout and stderr to ``fds``, run ``work(*args)``; never return."""
    code = 0
    try:
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        work(*args)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
