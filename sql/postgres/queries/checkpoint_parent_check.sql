-- checkpoint_parent_check: whether :parent_checkpoint_id is a checkpoint of :thread_id, and
-- whether :checkpoint_id is the parent of any checkpoint there. Only then can the parent
-- descend from it (checkpoint_lineage lists the parent ids it walks through, so a checkpoint
-- in it is some checkpoint's parent), and only then does save_checkpoint walk the parent's
-- lineage: saving a new checkpoint under the newest, step after step, stays one lookup each
-- instead of a walk as long as the chain. Bindings: :thread_id, :checkpoint_id,
-- :parent_checkpoint_id. One row; a primary-key SEARCH and one of index checkpoints_parent.
select
  exists (select 1 from checkpoints where thread_id = :thread_id and checkpoint_id = :parent_checkpoint_id),
  exists (select 1 from checkpoints where thread_id = :thread_id and parent_checkpoint_id = :checkpoint_id)
