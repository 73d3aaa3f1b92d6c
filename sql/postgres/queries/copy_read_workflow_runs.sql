-- copy_read_workflow_runs: every workflow run.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_workflow_runs takes them.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error, started_at, updated_at, completed_at
from workflow_runs
order by thread_id, run_id
