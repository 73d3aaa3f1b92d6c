-- common_ancestor: the deepest entry that is an ancestor of both :a_id and :b_id (an entry is
-- its own ancestor), or no row. Bindings: :a_id, :b_id. One walk up by primary key from each
-- side, tagged with its side. Shared ancestors all lie on one path, where ids grow with depth,
-- so the deepest is the largest id found on both sides.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see path_to.sql).
with recursive up (side, id, thread_id, parent_entry_id) as (
  select 'a', id, thread_id, parent_entry_id from entries where id = :a_id
  union all
  select 'b', id, thread_id, parent_entry_id from entries where id = :b_id
  union all
  select up.side, e.id, e.thread_id, e.parent_entry_id
  from up
  cross join lateral (
    select * from entries
    where entries.id = up.parent_entry_id and entries.id < up.id and entries.thread_id = up.thread_id
    offset 0
  ) as e
)
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from entries as e
where e.id = (
  select max(id) from (select id from up where side = 'a' intersect select id from up where side = 'b') as shared
)
