-- common_ancestor: the deepest entry that is an ancestor of both :a_id and :b_id (an entry is
-- its own ancestor), or no row. Bindings: :a_id, :b_id. One walk up by primary key from each
-- side, tagged with its side. Shared ancestors all lie on one path, where ids grow with depth,
-- so the deepest is the largest id found on both sides.
-- Each step of the walk is a LATERAL lookup kept apart by OFFSET 0: joined to entries as a
-- plain table, the planner (which guesses a recursive worktable large) hashed the whole table
-- once per level, before or after ANALYZE (0.9 s for common_ancestor over 3,000 levels, 9 ms
-- by key); the fence leaves it one key lookup a level, whatever the statistics. (path_to,
-- live_items and usage_live_path keep the plain join: on a fresh database of one deep thread
-- it hashes the table once and walks 10,000 levels some 30 % faster; without statistics
-- beside many threads it too can hash the table once per level.)
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
