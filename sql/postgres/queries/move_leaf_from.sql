-- move_leaf_from: move_leaf as a compare-and-set: point the thread at :leaf_id (touching
-- updated_at) only if its current leaf is still :expected_id (NULL: an empty path). No row
-- changed: the thread moved on, or does not exist. Bindings: :thread_id, :leaf_id,
-- :expected_id, :now. One statement where a read and a write would be two, for the moves an
-- agent makes from what it last saw (fork_at, rewind, pop). (Returning the last leaf move's
-- seq from here as well, by a subquery in RETURNING, costs more than the read it saves.)
update threads
set current_leaf_id = :leaf_id, updated_at = :now
where id = :thread_id and current_leaf_id is not distinct from :expected_id
