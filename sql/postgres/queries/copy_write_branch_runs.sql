-- copy_write_branch_runs: rows of branch_runs as copy_read_branch_runs read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy branch_runs (id, thread_id, run_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at) from stdin
