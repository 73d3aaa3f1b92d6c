-- copy_checkpoint_parent: the parent of a copied checkpoint, set once every checkpoint of the
-- thread is in. Bindings: :thread_id, :checkpoint_id, :parent_checkpoint_id.
update checkpoints set parent_checkpoint_id = :parent_checkpoint_id
where thread_id = :thread_id and checkpoint_id = :checkpoint_id
