-- subtree: the entry :entry_id and all its descendants, in id order (so parents come before
-- their children: a parent is always older). Bindings: :entry_id. One SEARCH on
-- entries_parent per entry found; only younger children are followed, so a damaged
-- file cannot make the walk loop.
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
)
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from tree
cross join entries as e  -- CROSS JOIN keeps the walk outside: no scan of entries
where e.id = tree.id
order by e.id
