"""A writer process for tests/test_postgres.py: ``pg_writer.py URL THREAD N``.

Prints ``ready``, waits for ``go``, then appends N entries to THREAD, each with compare-and-set
against the leaf it read, retrying a lost race; prints the id of every entry it wrote.
"""

from __future__ import annotations

import sys

import threadtree


def main(url: str, tid: str, count: int) -> None:
    with threadtree.open(url, timeout=30) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        written = 0
        while written < count:
            leaf = store.get_thread(tid).current_leaf_id
            try:
                entry = store.append(tid, "user", f"{written}", expected_leaf_id=leaf)
            except threadtree.Conflict:
                continue
            print(entry.id, flush=True)
            written += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
