-- leaf_run_list: the leaf runs of :run_id in the order recorded. Bindings: :thread_id, :run_id.
-- Index leaf_runs_run.
select run_id, thread_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at,
       branch_deleted_at
from leaf_runs
where thread_id = :thread_id and run_id = :run_id
order by id
