-- leaf_run_insert: a leaf run, as recorded or as a dump holds it. Bindings: :thread_id, :run_id,
-- :leaf_id, :input_hash, :entry_id, :status, :output (JSON), :artifacts (JSON), :error,
-- :created_at, :branch_deleted_at.
insert into leaf_runs (thread_id, run_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at,
                       branch_deleted_at)
values (:thread_id, :run_id, :leaf_id, :input_hash, :entry_id, :status, :output, :artifacts, :error, :created_at,
        :branch_deleted_at)
