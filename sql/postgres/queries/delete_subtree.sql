-- delete_subtree: delete the entry :entry_id and all its descendants in one statement, with
-- the checkpoints pinned to them (in the same statement, so that the trigger that re-parents
-- their surviving children sees them all at once: migration 0003; the foreign key's cascade
-- then finds none left). Bindings: :entry_id. The foreign keys are checked at the end of the
-- statement, when no deleted entry has a child left and no thread points at one (move the
-- leaf out first). The count is the entries'.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive tree (id, thread_id) as (
  select id, thread_id from entries where id = :entry_id
  union all
  select c.id, c.thread_id
  from tree
  cross join lateral (
    select * from entries
    where entries.parent_entry_id = tree.id and entries.thread_id = tree.thread_id and entries.id > tree.id
    offset 0
  ) as c
),
pinned as (
  delete from checkpoints as k
  using tree
  where k.thread_id = tree.thread_id and k.entry_id = tree.id
)
delete from entries where id in (select id from tree)
