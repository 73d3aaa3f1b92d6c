-- checkpoint_list: a thread's checkpoints, newest (most recently saved) first, at most :limit
-- (-1: all). Bindings: :thread_id, :limit. Walks the unique index (thread_id, save_seq)
-- backwards.
select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at
from checkpoints
where thread_id = :thread_id
order by save_seq desc
limit nullif(:limit, -1)
