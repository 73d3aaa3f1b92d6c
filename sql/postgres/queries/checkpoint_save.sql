-- checkpoint_save: insert or replace a checkpoint; either way it becomes the thread's newest
-- (save_seq: one more than the thread's highest).
-- Bindings: :thread_id, :checkpoint_id, :entry_id (NULL: unpinned), :parent_checkpoint_id
-- (NULL: none), :state (JSON text), :now. Runs under the write lock; the unique index on
-- (thread_id, save_seq) gives the highest at once. On a replace every column but the key is
-- new: the state, where it is pinned, its parent, its time and its place in the order.
insert into checkpoints (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq)
select :thread_id, :checkpoint_id, :entry_id, :parent_checkpoint_id, :state, :now, coalesce(max(save_seq), 0) + 1
from checkpoints
where thread_id = :thread_id
on conflict (thread_id, checkpoint_id) do update set
  entry_id = excluded.entry_id,
  parent_checkpoint_id = excluded.parent_checkpoint_id,
  state = excluded.state,
  created_at = excluded.created_at,
  save_seq = excluded.save_seq
