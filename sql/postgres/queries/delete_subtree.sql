-- delete_subtree: delete the entry :entry_id and all its descendants in one statement.
-- Bindings: :entry_id. The foreign keys are checked at the end of the statement, when no
-- deleted entry has a child left and no thread points at one (move the leaf out first).
with recursive tree (id, thread_id) as (
  select id, thread_id from entries where id = :entry_id
  union all
  select c.id, c.thread_id
  from tree
  cross join entries as c
  where c.thread_id = tree.thread_id and c.parent_entry_id = tree.id and c.id > tree.id
)
delete from entries where id in (select id from tree)
