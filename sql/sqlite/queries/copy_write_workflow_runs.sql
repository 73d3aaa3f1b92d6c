-- copy_write_workflow_runs: one row of workflow_runs as copy_read_workflow_runs read it, into an empty database.
-- Bindings: one per column (run_id...). The table's own triggers check it.
insert into workflow_runs (run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error, started_at, updated_at, completed_at)
values (:run_id, :thread_id, :workflow_id, :goal, :status, :input_hash, :metadata, :result, :error, :started_at, :updated_at, :completed_at)
