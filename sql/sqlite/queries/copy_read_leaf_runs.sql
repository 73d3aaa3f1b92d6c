-- copy_read_leaf_runs: every leaf run.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_leaf_runs takes them.
select id, thread_id, run_id, leaf_id, input_hash, entry_id, status, output, artifacts, error, created_at, branch_deleted_at
from leaf_runs
order by id
