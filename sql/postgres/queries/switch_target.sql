-- switch_target: where Store.switch lands in the branch through :entry_id (the entry and
-- everything below it): the newest leaf the live path left that branch at (left_leaves, by
-- the seq of the move that left it), else the newest entry of the branch, which has no child
-- (a child is always newer than its parent) and so is its newest leaf.
-- Bindings: :thread_id, :entry_id. The walk of subtree.sql (one SEARCH of
-- entries_parent per entry of the branch), one primary-key SEARCH of left_leaves per
-- entry: the cost of the branch below the entry, whatever its depth.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive below (id) as (
  select id from entries where id = :entry_id and thread_id = :thread_id
  union all
  select c.id
  from below
  cross join lateral (
    select * from entries
    where entries.parent_entry_id = below.id and entries.thread_id = :thread_id and entries.id > below.id
    offset 0
  ) as c
)
select coalesce(
  (select l.entry_id
   from below
   cross join left_leaves as l
   where l.thread_id = :thread_id and l.entry_id = below.id
   order by l.seq desc
   limit 1),
  (select max(id) from below)
)
