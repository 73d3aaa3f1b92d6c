-- copy_write_leaf_moves: rows of leaf_moves as copy_read_leaf_moves read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at) from stdin
