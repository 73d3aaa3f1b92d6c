-- copy_write_leaf_runs: one row of leaf_runs as copy_read_leaf_runs read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into leaf_runs (id, thread_id, run_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at, branch_deleted_at)
values (:id, :thread_id, :run_id, :leaf_id, :input_hash, :entry_id, :status, :output, :artifacts, :error, :created_at, :branch_deleted_at)
