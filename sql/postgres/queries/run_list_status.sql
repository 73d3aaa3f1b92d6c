-- run_list_status: the runs in :status in every thread, newest first, at most :limit (-1: all).
-- Bindings: :status, :limit. Index workflow_runs_status, walked backwards.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
       started_at, updated_at, completed_at
from workflow_runs
where status = :status
order by started_at desc, run_id desc
limit nullif(:limit, -1)
