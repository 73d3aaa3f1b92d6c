-- thread_lineage: :thread_id and the threads it was copied from, one after the other (a copy
-- of a copy names its origin's origin too). Bindings: :thread_id. One primary-key SEARCH of
-- threads a step; UNION stops at a thread seen before, so a damaged file cannot loop.
with recursive lineage (id) as (
  select :thread_id
  union
  select t.origin_thread_id
  from lineage
  cross join threads as t
  where t.id = lineage.id and t.origin_thread_id is not null
)
select id from lineage
