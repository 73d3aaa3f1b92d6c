-- copy_read_checkpoints: every checkpoint. A re-saved parent can be newer
-- than its children: copy_database writes them without parents and sets those once all are in
-- (copy_checkpoint_parent).
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_checkpoints takes them.
select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq
from checkpoints
order by thread_id, save_seq
