-- is_ancestor: 1 if :ancestor_id is :entry_id or one of its ancestors, else 0.
-- Bindings: :entry_id, :ancestor_id. Walks up by primary key and stops once it reaches an id
-- no larger than :ancestor_id: ids only shrink on the way up, so nothing older is visited.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive chain (id, thread_id, parent_entry_id) as (
  select id, thread_id, parent_entry_id from entries where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id
  from chain
  cross join lateral (
    select * from entries
    where entries.id = chain.parent_entry_id and entries.id < chain.id and entries.thread_id = chain.thread_id
    offset 0
  ) as e
  where chain.id > :ancestor_id
)
select exists (select 1 from chain where id = :ancestor_id)
