-- common_ancestor: the deepest entry that is an ancestor of both :a_id and :b_id (an entry is
-- its own ancestor), or no row. Bindings: :a_id, :b_id. Shared ancestors all lie on one path,
-- where ids grow with depth, so the deepest is the largest id.
with recursive
  up_a (id, thread_id, parent_entry_id) as (
    select id, thread_id, parent_entry_id from entries where id = :a_id
    union all
    select e.id, e.thread_id, e.parent_entry_id
    from up_a
    cross join entries as e
    where e.id = up_a.parent_entry_id and e.id < up_a.id and e.thread_id = up_a.thread_id
  ),
  up_b (id, thread_id, parent_entry_id) as (
    select id, thread_id, parent_entry_id from entries where id = :b_id
    union all
    select e.id, e.thread_id, e.parent_entry_id
    from up_b
    cross join entries as e
    where e.id = up_b.parent_entry_id and e.id < up_b.id and e.thread_id = up_b.thread_id
  )
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth
from entries as e
where e.id = (select max(id) from (select id from up_a intersect select id from up_b))
