-- leaf_run_finished: the completed leaf run of :run_id for task :leaf_id and input :input_hash
-- (NULL matches a run recorded without one), or no row: what a re-run replays. Bindings:
-- :thread_id, :run_id, :leaf_id, :input_hash. One SEARCH of the partial unique index
-- leaf_runs_finished.
select run_id, thread_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at,
       branch_deleted_at
from leaf_runs
where thread_id = :thread_id and run_id = :run_id and leaf_id = :leaf_id and input_hash is not distinct from :input_hash
  and status = 'completed'
order by id desc
limit 1
