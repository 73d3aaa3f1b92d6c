-- copy_write_entries: one row of entries as copy_read_entries read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into entries (id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from)
values (:id, :thread_id, :parent_entry_id, :role, :content, :item, :created_at, :depth, :source_id, :hidden, :content_path, :usage, :merged_from)
