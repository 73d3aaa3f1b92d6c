-- checkpoint_lineage: the checkpoint :checkpoint_id of :thread_id and its ancestors (their
-- ids), no row if it does not exist. save_checkpoint checks a new parent with it: it must
-- exist, and the checkpoint being saved must not be among its ancestors (no cycle).
-- Bindings: :thread_id, :checkpoint_id. One primary-key SEARCH per level. UNION, not UNION
-- ALL: even on a file where a cycle was written behind threadtree's back the walk ends. The
-- root's NULL parent ends the walk (it matches no row) and is dropped at the end: a "parent
-- is not null" term in the step tempted the planner, after ANALYZE, into a range of index
-- checkpoints_parent instead of the primary key.
with recursive lineage (checkpoint_id) as (
  select checkpoint_id from checkpoints where thread_id = :thread_id and checkpoint_id = :checkpoint_id
  union
  select c.parent_checkpoint_id
  from lineage
  cross join checkpoints as c
  where c.thread_id = :thread_id and c.checkpoint_id = lineage.checkpoint_id
)
select checkpoint_id from lineage where checkpoint_id is not null
