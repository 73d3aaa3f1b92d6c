-- copy_write_leaf_runs: rows of leaf_runs as copy_read_leaf_runs read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy leaf_runs (id, thread_id, run_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at, branch_deleted_at) from stdin
