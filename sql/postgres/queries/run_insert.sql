-- run_insert: a workflow run, as started (status running, no result) or as a dump holds it.
-- Bindings: :run_id, :thread_id, :workflow_id, :goal, :status, :input_hash (NULL: none),
-- :metadata (a JSON object), :result (JSON), :error, :started_at, :updated_at, :completed_at.
insert into workflow_runs (run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
                           started_at, updated_at, completed_at)
values (:run_id, :thread_id, :workflow_id, :goal, :status, :input_hash, :metadata, :result, :error,
        :started_at, :updated_at, :completed_at)
