-- usage_live_path: the usage (JSON text) of every entry on the path from :entry_id (a thread's
-- current leaf) up to its root that has one. Bindings: :entry_id. The walk of path_to.sql,
-- reading only the ids on the way.
with recursive chain (id, thread_id, parent_entry_id) as (
  select id, thread_id, parent_entry_id
  from entries
  where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id
  from chain
  cross join entries as e
  where e.id = chain.parent_entry_id and e.id < chain.id and e.thread_id = chain.thread_id
)
select e.usage
from chain
cross join entries as e
where e.id = chain.id and e.usage is not null
