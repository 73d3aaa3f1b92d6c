-- copy_write_left_leaves: rows of left_leaves as copy_read_left_leaves read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy left_leaves (thread_id, entry_id, seq) from stdin
