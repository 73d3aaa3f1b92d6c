-- copy_read_run_decisions: every decision of a run.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_run_decisions takes them.
select id, thread_id, run_id, entry_id, decided_at, branch_deleted_at
from run_decisions
order by id
