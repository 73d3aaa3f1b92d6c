-- siblings: the entries that share the parent of :entry_id (the entry included), oldest first.
-- For a root: every root of its thread. Bindings: :entry_id. SEARCH on entries_parent.
select s.id, s.thread_id, s.parent_entry_id, s.role, s.content, s.item, s.created_at, s.depth, s.source_id, s.hidden, s.content_path, s.usage, s.merged_from
from entries as e
join entries as s
  on s.thread_id = e.thread_id and s.parent_entry_id is not distinct from e.parent_entry_id
where e.id = :entry_id
order by s.id
