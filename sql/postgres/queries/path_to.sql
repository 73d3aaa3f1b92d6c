-- path_to: the entry :entry_id and its ancestors, leaf first (the order the walk finds them;
-- the caller reverses it, and checks it); only the :limit nearest the entry.
-- Bindings: :entry_id, :limit (a large number for all). One primary-key SEARCH per level.
-- The walk only follows a parent that is older and in the same thread: the schema guarantees
-- both, and on a damaged file the walk still ends instead of looping or leaving the thread.
-- ORDER BY steps: unlike SQLite, PostgreSQL may join the walk's rows back to entries in any
-- order (a hash join did, on a thread whose parents had been rewritten into a cycle), so the
-- order is asked for; Store._path_to puts them root first.
with recursive chain (id, thread_id, parent_entry_id, steps) as (
  select id, thread_id, parent_entry_id, 1
  from entries
  where id = :entry_id
  union all
  select e.id, e.thread_id, e.parent_entry_id, chain.steps + 1
  from chain
  cross join entries as e
  where e.id = chain.parent_entry_id and e.id < chain.id and e.thread_id = chain.thread_id
    and chain.steps < :limit
)
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from chain
cross join entries as e
where e.id = chain.id
order by chain.steps
