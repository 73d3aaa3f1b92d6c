-- branch_get: the branch run of :run_id at :entry_id, or no row. Bindings: :thread_id, :run_id,
-- :entry_id. The unique index (thread_id, run_id, entry_id).
select run_id, thread_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at
from branch_runs
where thread_id = :thread_id and run_id = :run_id and entry_id = :entry_id
