-- copy_write_checkpoints: rows of checkpoints as copy_read_checkpoints read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy checkpoints (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq) from stdin
