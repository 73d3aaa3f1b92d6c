-- thread_entries: every entry of :thread_id, in id order (parents before children): a whole
-- thread, for exports. Bindings: :thread_id. A range of the unique (thread_id, id) index.
select id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
from entries
where thread_id = :thread_id
order by id
