-- live_path_from: the ids of a thread's live path from its current leaf up to depth :depth
-- (the part a search hit at that depth or below can lie on). Bindings: :thread_id, :depth.
-- The walk of path_to.sql from the leaf, stopping at :depth: one primary-key SEARCH a level.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive chain (id, thread_id, parent_entry_id, depth) as (
  select e.id, e.thread_id, e.parent_entry_id, e.depth
  from threads as t
  cross join entries as e
  where t.id = :thread_id and e.id = t.current_leaf_id and e.thread_id = t.id and e.depth >= :depth
  union all
  select e.id, e.thread_id, e.parent_entry_id, e.depth
  from chain
  cross join lateral (
    select * from entries
    where entries.id = chain.parent_entry_id and entries.id < chain.id and entries.thread_id = chain.thread_id
    offset 0
  ) as e
  where e.depth >= :depth
)
select id from chain
