-- copy_write_entries: rows of entries as copy_read_entries read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy entries (id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from) from stdin
