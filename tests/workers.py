"""Worker processes for the concurrency tests, run as ``python workers.py COMMAND ...``.

Each worker prints ``ready``, waits for a line on stdin (so that every worker starts
writing at the same moment), does its work and prints one line per acknowledged result:
a write is reported only after the call that made it has returned.

    append DB THREAD COUNT NAME      append COUNT entries ("NAME-k"); print each id
    keyed DB THREAD COUNT            append COUNT entries "k" with source_id "key-k"; print each id
                                     (several workers with the same keys: retries racing)
    open DB [DB ...]                 open (maybe creating) each DB in turn; print user_versions
"""

from __future__ import annotations

import sys

import threadtree


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
                print(store._conn.pragma("user_version"), flush=True)
    else:
        raise SystemExit(f"unknown command {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
