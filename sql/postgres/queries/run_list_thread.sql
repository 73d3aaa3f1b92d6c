-- run_list_thread: the runs of :thread_id, newest first (started_at, then run_id), only those of
-- :workflow_id and in :status when given (NULL: any), at most :limit (-1: all). Bindings:
-- :thread_id, :workflow_id, :status, :limit. Index workflow_runs_thread, walked backwards.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
       started_at, updated_at, completed_at
from workflow_runs
where thread_id = :thread_id
  and (:workflow_id is null or workflow_id = :workflow_id)
  and (:status is null or status = :status)
order by started_at desc, run_id desc
limit nullif(:limit, -1)
