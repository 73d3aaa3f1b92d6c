-- live_items: what an agent session reads on every run: the entries from :entry_id (a
-- thread's current leaf) up to the root, leaf first, with only the columns that make the
-- items: (id, parent_entry_id, hidden, role, content, item, content_path). Only the :limit
-- nearest the leaf. Bindings: :entry_id, :limit (a large number for all). The walk of
-- path_to.sql (see there for why CROSS JOIN and no ORDER BY).
with recursive chain (id, thread_id, parent_entry_id, steps) as (
  select id, thread_id, parent_entry_id, 1
  from entries
  where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id, chain.steps + 1
  from chain
  cross join entries as e
  where e.id = chain.parent_entry_id and e.id < chain.id and e.thread_id = chain.thread_id
    and chain.steps < :limit
)
select e.id, e.parent_entry_id, e.hidden, e.role, e.content, e.item, e.content_path
from chain
cross join entries as e
where e.id = chain.id
