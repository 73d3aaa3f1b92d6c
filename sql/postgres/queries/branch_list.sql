-- branch_list: the branch runs of :run_id in the order recorded. Bindings: :thread_id,
-- :run_id. The unique index (thread_id, run_id, entry_id) gives the run's rows; sorted by id.
select run_id, thread_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at
from branch_runs
where thread_id = :thread_id and run_id = :run_id
order by id
