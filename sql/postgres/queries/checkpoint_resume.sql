-- checkpoint_resume: the checkpoint to resume a thread from: the newest (last saved) one
-- pinned to an entry of the live path (the current leaf :leaf_id and its ancestors), else
-- the newest unpinned one; no row if neither exists. A checkpoint pinned to an entry off the
-- live path (an abandoned branch) is never chosen.
-- Bindings: :thread_id, :leaf_id (NULL: an empty live path, so only unpinned ones count).
-- The walk goes by primary key only (one SEARCH per level; no thread_id term the planner
-- could be tempted to range over after ANALYZE); it ends because parents are older
-- (e.id < chain.id), and the join keeps to :thread_id. The step is a lateral lookup fenced
-- by OFFSET 0: as a join, without statistics, it hashed the whole table at every level (a
-- 3,000-deep path beside 10,000 other entries: 2.2 s, fenced 6 ms). Each entry of the path is then one
-- SEARCH of index checkpoints_entry, as is the newest unpinned checkpoint.
with recursive chain (id, parent_entry_id) as (
  select id, parent_entry_id from entries where id = :leaf_id
  union all
  select e.id, e.parent_entry_id
  from chain
  cross join lateral (
    select id, parent_entry_id from entries where entries.id = chain.parent_entry_id and entries.id < chain.id offset 0
  ) as e
),
pinned (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq) as (
  select c.thread_id, c.checkpoint_id, c.entry_id, c.parent_checkpoint_id, c.state, c.created_at, c.save_seq
  from chain
  cross join checkpoints as c
  where c.thread_id = :thread_id and c.entry_id = chain.id
),
unpinned (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq) as (
  select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq
  from checkpoints
  where thread_id = :thread_id and entry_id is null
  order by save_seq desc
  limit 1
),
candidates (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq, rank) as (
  select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq, 0 from pinned
  union all
  select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq, 1 from unpinned
)
select thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at
from candidates
order by rank, save_seq desc
limit 1
