"""An agent explores two answers, keeps the better one, and never loses a turn.

Shows fork from any entry, compare-and-set appends (``expected_leaf_id``) that refuse to
write when another writer moved the thread first, rewind, common_ancestor and
delete_branch. Like every example, it writes to a new file in a temporary folder (it prints
where), never to your default database.
"""

import tempfile
from pathlib import Path

import threadtree
from threadtree import Conflict

path = Path(tempfile.mkdtemp(prefix="threadtree-example-")) / "fork_and_rewind.db"
print(f"database: {path}")
with threadtree.open(path) as store:
    thread = store.create_thread("Refactoring plan", metadata={"agent": "planner", "model": "demo"})
    store.extend(
        thread.id,
        [
            {"role": "system", "content": "You plan refactorings."},
            {"role": "user", "content": "How do I split a 3,000-line module?"},
        ],
    )
    question = store.path(thread.id)[-1]

    # Two candidate answers, each a branch under the same question.
    by_feature = store.fork(question.id, "assistant", "Split by feature: one module per use case.")
    by_layer = store.fork(question.id, "assistant", "Split by layer: models, services, views.")
    print("candidates:", [c.content for c in store.children(question.id)])
    print("they part after:", store.common_ancestor(by_feature.id, by_layer.id).content)

    # The agent decides on the first answer and continues from it.
    store.rewind(thread.id, by_feature.id)
    leaf = store.get_thread(thread.id).current_leaf_id

    # Compare-and-set: append only if nobody moved the thread since we looked.
    store.append(thread.id, "user", "Which feature first?", expected_leaf_id=leaf)
    try:
        store.append(thread.id, "assistant", "(a stale writer)", expected_leaf_id=leaf)
    except Conflict as exc:
        print("refused:", exc)

    # Prune the losing branch; the live path is untouched.
    removed = store.delete_branch(by_layer.id)
    print(f"deleted {removed} entry; live path now:")
    for message in store.messages(thread.id):
        print(f"  {message['role']:<9} {message['content']}")
