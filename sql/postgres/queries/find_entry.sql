-- find_entry: the entry of :thread_id whose source_id is :source_id, or no row.
-- Bindings: :thread_id, :source_id. SEARCH on the unique index entries_source.
select id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
from entries
where thread_id = :thread_id and source_id = :source_id
