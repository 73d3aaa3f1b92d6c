-- copy_path: copy the path from :start_id down to :entry_id (start_id an ancestor of
-- entry_id, or entry_id itself; NULL: from its root) into thread :thread_id as one chain: the
-- first copy is a root with the id :first_id, each copy below has the next id and the
-- previous copy as its parent. Role, text, item, times, source ids, hidden flags, usage and
-- merge links are copied as stored. Bindings: :entry_id, :start_id, :start_depth (start_id's
-- depth, 0 for NULL), :first_id (an id no entry ever had: next_entry_id), :thread_id.
-- The walk of path_to.sql up from :entry_id, stopping at :start_id; rows go in parents first
-- (the insert trigger checks each parent).
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive chain (id, thread_id, parent_entry_id) as (
  select id, thread_id, parent_entry_id
  from entries
  where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id
  from chain
  cross join lateral (
    select * from entries
    where entries.id = chain.parent_entry_id and entries.id < chain.id and entries.thread_id = chain.thread_id
    offset 0
  ) as e
  where chain.id is distinct from :start_id
)
insert into entries (
  id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
)
select :first_id + e.depth - :start_depth, :thread_id,
       case when e.depth = :start_depth then null else :first_id + e.depth - :start_depth - 1 end,
       e.role, e.content, e.item, e.created_at, e.depth - :start_depth, e.source_id, e.hidden, e.content_path,
       e.usage, e.merged_from
from chain
cross join entries as e
where e.id = chain.id and e.depth >= :start_depth
order by e.depth
