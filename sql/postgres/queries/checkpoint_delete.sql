-- checkpoint_delete: one checkpoint (its children are re-attached to its parent by trigger
-- checkpoints_reparent_on_delete). Bindings: :thread_id, :checkpoint_id.
delete from checkpoints where thread_id = :thread_id and checkpoint_id = :checkpoint_id
