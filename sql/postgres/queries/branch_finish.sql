-- branch_finish: move a branch run from running to :status (a compare-and-set: no row when it
-- is no longer running) with its result and error. Bindings: :thread_id, :run_id, :entry_id,
-- :status, :result (JSON, NULL: none), :error, :now. Gives it back. The unique index.
update branch_runs
set status = :status, result = :result, error = :error, updated_at = :now, completed_at = :now
where thread_id = :thread_id and run_id = :run_id and entry_id = :entry_id and status = 'running'
returning run_id, thread_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at
