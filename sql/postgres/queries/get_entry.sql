-- get_entry: one entry by id, or no row.
-- Bindings: :entry_id. Columns in records.Entry.from_row order.
select id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
from entries
where id = :entry_id
