-- copy_read_left_leaves: where every thread's live path left each branch.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_left_leaves takes them.
select thread_id, entry_id, seq
from left_leaves
order by thread_id, entry_id
