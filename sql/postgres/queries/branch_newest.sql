-- branch_newest: the newest entry (the highest id) of the branch that starts at :entry_id, the
-- entry itself included: where its work last stopped, always a leaf. Bindings: :entry_id,
-- :thread_id. Walks the branch by (thread_id, parent_entry_id), like subtree.
with recursive tree (id) as (
  select id from entries where id = :entry_id and thread_id = :thread_id
  union all
  select c.id
  from tree
  cross join entries as c
  where c.thread_id = :thread_id and c.parent_entry_id = tree.id and c.id > tree.id
)
select max(id) from tree
