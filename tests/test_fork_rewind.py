"""fork, rewind and delete_branch: moving between branches and pruning them."""

from __future__ import annotations

import pytest

from threadtree import InvalidInput, NotFound

from .helpers import build, contents, logical_dump

# a - b - c - d        (appended: the live path ends at d)
#      \
#       x - y          (x forked from b)
TREE = [("a", "^"), ("b", "^"), ("c", "^"), ("d", "^"), ("x", "b"), ("y", "x")]


@pytest.fixture
def ids(store, thread):
    return build(store, thread.id, TREE)


class TestFork:
    def test_a_fork_is_a_new_child_and_becomes_the_leaf(self, store, thread, ids):
        z = store.fork(ids["c"], "assistant", "z", item={"k": "v"})
        assert (z.parent_id, z.depth, z.thread_id, z.item) == (ids["c"], 3, thread.id, {"k": "v"})
        assert contents(store.path(thread.id)) == ["a", "b", "c", "z"]
        assert contents(store.children(ids["c"])) == ["d", "z"]

    def test_the_other_branch_is_untouched(self, store, thread, ids):
        store.fork(ids["a"], "user", "new")
        assert contents(store.path_to(ids["d"])) == ["a", "b", "c", "d"]
        assert contents(store.path_to(ids["y"])) == ["a", "b", "x", "y"]

    def test_a_fork_of_a_root_and_of_the_leaf(self, store, thread, ids):
        assert store.fork(ids["a"], "user", "r").depth == 1
        leaf = store.get_thread(thread.id).current_leaf_id
        assert store.fork(leaf, "user", "tip").parent_id == leaf

    def test_a_fork_does_not_copy_history(self, store, db_path, thread, ids):
        before = len(logical_dump(db_path)["entries"])
        store.fork(ids["d"], "user", "one more")
        assert len(logical_dump(db_path)["entries"]) == before + 1

    def test_an_unknown_entry_is_not_found(self, store, thread):
        with pytest.raises(NotFound, match="entry 404 does not exist"):
            store.fork(404, "user", "x")


class TestRewind:
    def test_back_to_an_ancestor_keeps_the_later_entries(self, store, thread, ids):
        entry = store.rewind(thread.id, ids["b"])
        assert entry == store.get_entry(ids["b"])
        assert contents(store.path(thread.id)) == ["a", "b"]
        assert contents(store.subtree(ids["b"])) == ["b", "c", "d", "x", "y"]

    def test_to_another_branch(self, store, thread, ids):
        store.rewind(thread.id, ids["d"])
        assert contents(store.path(thread.id)) == ["a", "b", "c", "d"]

    def test_the_next_append_forks_from_the_rewound_leaf(self, store, thread, ids):
        store.rewind(thread.id, ids["c"])
        e = store.append(thread.id, "user", "e")
        assert e.parent_id == ids["c"]
        assert contents(store.children(ids["c"])) == ["d", "e"]

    def test_to_none_empties_the_live_path(self, store, thread, ids):
        assert store.rewind(thread.id, None) is None
        assert store.path(thread.id) == []
        assert store.get_thread(thread.id).current_leaf_id is None
        assert len(store.leaves(thread.id)) == 2

    def test_an_entry_of_another_thread_is_refused(self, store, db_path, thread, other_thread, ids):
        foreign = store.append(other_thread.id, "user", "elsewhere")
        before = logical_dump(db_path)
        with pytest.raises(InvalidInput, match=rf"entry_id {foreign.id} belongs to thread 'other', not 't'"):
            store.rewind(thread.id, foreign.id)
        assert logical_dump(db_path) == before

    def test_unknown_ids_are_not_found(self, store, thread, ids):
        with pytest.raises(NotFound, match="entry 404"):
            store.rewind(thread.id, 404)
        with pytest.raises(NotFound, match="'nope'"):
            store.rewind("nope", ids["a"])


class TestDeleteBranch:
    def test_deletes_the_entry_and_its_descendants(self, store, thread, ids):
        assert store.delete_branch(ids["x"]) == 2
        for name in ("x", "y"):
            with pytest.raises(NotFound):
                store.get_entry(ids[name])
        assert contents(store.leaves(thread.id)) == ["d"]
        assert contents(store.children(ids["b"])) == ["c"]

    def test_a_leaf_inside_moves_to_the_parent(self, store, thread, ids):
        assert store.get_thread(thread.id).current_leaf_id == ids["y"]
        store.delete_branch(ids["x"])
        assert store.get_thread(thread.id).current_leaf_id == ids["b"]

    def test_a_leaf_outside_stays(self, store, thread, ids):
        store.rewind(thread.id, ids["d"])
        store.delete_branch(ids["x"])
        assert store.get_thread(thread.id).current_leaf_id == ids["d"]

    def test_a_leaf_on_the_deleted_entry_itself_moves_to_its_parent(self, store, thread, ids):
        store.rewind(thread.id, ids["c"])
        store.delete_branch(ids["c"])
        assert store.get_thread(thread.id).current_leaf_id == ids["b"]

    def test_deleting_a_root_can_empty_the_live_path(self, store, thread, ids):
        assert store.delete_branch(ids["a"]) == 6
        assert store.path(thread.id) == []
        assert store.leaves(thread.id) == []

    def test_a_deep_chain_goes_in_one_statement(self, store, thread):
        """A cascade per level would hit SQLite's trigger depth limit (1000)."""
        entries = store.extend(thread.id, [{"role": "user", "content": str(k)} for k in range(3000)])
        assert store.delete_branch(entries[1].id) == 2999
        assert store.path(thread.id) == [entries[0]]

    def test_ids_are_never_reused(self, store, thread, ids):
        newest = max(ids.values())
        store.delete_branch(ids["y"])
        assert store.append(thread.id, "user", "after").id > newest

    def test_an_unknown_entry_is_not_found(self, store):
        with pytest.raises(NotFound, match="entry 404"):
            store.delete_branch(404)
