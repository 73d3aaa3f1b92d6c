-- copy_write_threads: rows of threads as copy_read_threads read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy threads (id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id, origin_thread_id, origin_entry_id) from stdin
