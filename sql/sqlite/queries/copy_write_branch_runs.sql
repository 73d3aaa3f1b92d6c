-- copy_write_branch_runs: one row of branch_runs as copy_read_branch_runs read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into branch_runs (id, thread_id, run_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at)
values (:id, :thread_id, :run_id, :entry_id, :status, :result, :error, :started_at, :updated_at, :completed_at, :branch_deleted_at)
