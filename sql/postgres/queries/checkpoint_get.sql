-- checkpoint_get: one checkpoint of a thread, or no row.
-- Bindings: :thread_id, :checkpoint_id. Columns in records.Checkpoint.from_row order.
select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at
from checkpoints
where thread_id = :thread_id and checkpoint_id = :checkpoint_id
