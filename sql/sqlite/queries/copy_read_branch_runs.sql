-- copy_read_branch_runs: every branch run.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_branch_runs takes them.
select id, thread_id, run_id, entry_id, status, result, error, started_at, updated_at, completed_at, branch_deleted_at
from branch_runs
order by id
