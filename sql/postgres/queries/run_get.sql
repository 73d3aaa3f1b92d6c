-- run_get: one workflow run by its id, or no row. Bindings: :run_id. The primary key.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
       started_at, updated_at, completed_at
from workflow_runs
where run_id = :run_id
