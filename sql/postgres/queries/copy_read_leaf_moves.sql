-- copy_read_leaf_moves: the leaf history of every thread.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_leaf_moves takes them.
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at
from leaf_moves
order by thread_id, seq
