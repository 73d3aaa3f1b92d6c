-- run_list_all: every run of the file, newest first, at most :limit (-1: all). Bindings: :limit.
-- Index workflow_runs_started, walked backwards.
select run_id, thread_id, workflow_id, goal, status, input_hash, metadata, result, error,
       started_at, updated_at, completed_at
from workflow_runs
order by started_at desc, run_id desc
limit nullif(:limit, -1)
