-- branch_newest: the newest entry (the highest id) of the branch that starts at :entry_id, the
-- entry itself included: where its work last stopped, always a leaf. Bindings: :entry_id,
-- :thread_id. Walks the branch by (thread_id, parent_entry_id), like subtree.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive tree (id) as (
  select id from entries where id = :entry_id and thread_id = :thread_id
  union all
  select c.id
  from tree
  cross join lateral (
    select * from entries
    where entries.parent_entry_id = tree.id and entries.thread_id = :thread_id and entries.id > tree.id
    offset 0
  ) as c
)
select max(id) from tree
