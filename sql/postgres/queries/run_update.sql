-- run_update: move a run from :from_status to :status (a compare-and-set: no row when it is no
-- longer in :from_status) and set its metadata, result, error and completed_at. Bindings:
-- :thread_id, :run_id, :from_status, :status, :metadata (a JSON object), :result (JSON, NULL:
-- none), :error, :completed_at, :now. Gives the run back. The unique index (thread_id, run_id).
update workflow_runs
set status = :status,
    metadata = :metadata,
    result = :result,
    error = :error,
    updated_at = :now,
    completed_at = :completed_at
where thread_id = :thread_id and run_id = :run_id and status = :from_status
returning run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
          started_at, updated_at, completed_at
