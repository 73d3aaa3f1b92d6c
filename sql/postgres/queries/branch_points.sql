-- branch_points: for each entry on the path from :entry_id up to its root that has siblings
-- (other children of its parent; for a root, the other roots of its thread): its id, its
-- parent's id and the ids of all its siblings, itself included, as a JSON array (in id order,
-- as the index holds them; the caller sorts them all the same).
-- Leaf first. Bindings: :entry_id. The walk of path_to.sql; at each level one SEARCH of
-- entries_parent for a second child of the parent (the index holds the ids in order,
-- so `exists` stops at once for an only child), and the array only where there is one.
-- A parent is matched by `=`, the roots by `is null`, each a search of entries_parent:
-- `is not distinct from` is no index condition, and read the whole thread at every level.
-- Each step of the walk: a LATERAL key lookup kept apart by OFFSET 0 (see common_ancestor.sql).
with recursive chain (id, thread_id, parent_entry_id) as (
  select id, thread_id, parent_entry_id
  from entries
  where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id
  from chain
  cross join lateral (
    select * from entries
    where entries.id = chain.parent_entry_id and entries.id < chain.id and entries.thread_id = chain.thread_id
    offset 0
  ) as e
)
select chain.id, chain.parent_entry_id,
       coalesce(
         (select json_agg(s.id)::text from entries as s
          where s.parent_entry_id = chain.parent_entry_id and s.thread_id = chain.thread_id),
         (select json_agg(s.id)::text from entries as s
          where chain.parent_entry_id is null and s.parent_entry_id is null and s.thread_id = chain.thread_id)
       )
from chain
where exists (
  select 1 from entries as s
  where s.parent_entry_id = chain.parent_entry_id and s.thread_id = chain.thread_id and s.id <> chain.id
) or (chain.parent_entry_id is null and exists (
  select 1 from entries as s
  where s.parent_entry_id is null and s.thread_id = chain.thread_id and s.id <> chain.id
))
