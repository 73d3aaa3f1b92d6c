-- move_leaf: point a thread's live path at another entry (or none) and touch updated_at.
-- Bindings: :thread_id, :leaf_id (NULL: empty path), :now. The composite foreign key rejects a
-- leaf of another thread.
update threads
set current_leaf_id = :leaf_id, updated_at = :now
where id = :thread_id
