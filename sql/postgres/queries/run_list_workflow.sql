-- run_list_workflow: the runs of :workflow_id in every thread, newest first, only those in
-- :status when given (NULL: any), at most :limit (-1: all). Bindings: :workflow_id, :status,
-- :limit. Index workflow_runs_workflow, walked backwards.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
       started_at, updated_at, completed_at
from workflow_runs
where workflow_id = :workflow_id
  and (:status is null or status = :status)
order by started_at desc, run_id desc
limit nullif(:limit, -1)
