-- copy_read_entries: every entry in id order: a parent is always
-- written before its children.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_entries takes them.
select id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
from entries
order by id
