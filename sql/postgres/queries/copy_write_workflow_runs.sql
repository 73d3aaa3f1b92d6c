-- copy_write_workflow_runs: rows of workflow_runs as copy_read_workflow_runs read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy workflow_runs (run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error, started_at, updated_at, completed_at) from stdin
