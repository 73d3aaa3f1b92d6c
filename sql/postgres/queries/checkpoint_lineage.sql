-- checkpoint_lineage: the checkpoint :checkpoint_id of :thread_id and its ancestors (their
-- ids), no row if it does not exist. save_checkpoint checks a new parent with it: it must
-- exist, and the checkpoint being saved must not be among its ancestors (no cycle).
-- Bindings: :thread_id, :checkpoint_id. One primary-key SEARCH per level. UNION, not UNION
-- ALL: even on a file where a cycle was written behind threadtree's back the walk ends. The
-- root's NULL parent ends the walk (it matches no row) and is dropped at the end: a "parent
-- is not null" term in the step tempted the planner, after ANALYZE, into a range of index
-- checkpoints_parent instead of the primary key. The step is a lateral lookup fenced by
-- OFFSET 0, so that it stays one key a level whatever the statistics: as a join, a new table's
-- guessed row counts made it hash every checkpoint of the thread at every level (1,000 levels:
-- 184 ms, 2.8 ms fenced).
with recursive lineage (checkpoint_id) as (
  select checkpoint_id from checkpoints where thread_id = :thread_id and checkpoint_id = :checkpoint_id
  union
  select c.parent_checkpoint_id
  from lineage
  cross join lateral (
    select parent_checkpoint_id from checkpoints
    where thread_id = :thread_id and checkpoint_id = lineage.checkpoint_id
    offset 0
  ) as c
)
select checkpoint_id from lineage where checkpoint_id is not null
