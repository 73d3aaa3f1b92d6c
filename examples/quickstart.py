"""Quickstart: keep a branching conversation in a threadtree database.

Run it with ``python examples/quickstart.py``. It writes to a new file in a temporary folder
and prints where that is, so your own database (the one ``threadtree`` and
``threadtree.open()`` use by default) is never touched. Open the file it printed to look
around: ``threadtree --db PATH tree THREAD``.
"""

import tempfile
from pathlib import Path

import threadtree

path = Path(tempfile.mkdtemp(prefix="threadtree-example-")) / "quickstart.db"
with threadtree.open(path) as store:
    thread = store.create_thread("Planning a trip")

    # append: each message goes under the current leaf, which then moves to it.
    store.append(thread.id, "system", "You are a concise travel assistant.")
    question = store.append(thread.id, "user", "Where should I go in May?")
    store.append(thread.id, "assistant", "Lisbon: warm, not yet crowded.")

    # fork: a second answer to the same question. History is shared, not copied.
    store.fork(question.id, "assistant", "Kyoto, if you like gardens.")
    store.append(thread.id, "user", "Tell me more about Kyoto.")

    print(f"database: {store.filename}")
    print(f"thread:   {thread.id}\n")
    print("live path:")
    for entry in store.path(thread.id):
        print(f"  {entry.id:>4}  {entry.role:<9}  {entry.content}")

    # Every branch tip, and a rewind back to the first answer.
    print("\nbranch tips:", [leaf.content for leaf in store.leaves(thread.id)])
    lisbon = store.children(question.id)[0]
    store.rewind(thread.id, lisbon.id)
    print("after rewind:", [m["content"] for m in store.messages(thread.id)])
