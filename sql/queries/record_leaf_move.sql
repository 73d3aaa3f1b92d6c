-- record_leaf_move: add a thread's next leaf move (seq: one more than its last).
-- Bindings: :thread_id, :from_id, :to_id (NULL: an empty path), :reason, :now. Runs in the
-- write transaction that moved the leaf; the primary key range gives the last seq at once.
insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
select :thread_id, coalesce(max(seq), 0) + 1, :from_id, :to_id, :reason, :now
from leaf_moves
where thread_id = :thread_id
