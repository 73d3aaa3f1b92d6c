-- copy_write_labels: rows of labels as copy_read_labels read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy labels (thread_id, name, entry_id, created_at) from stdin
