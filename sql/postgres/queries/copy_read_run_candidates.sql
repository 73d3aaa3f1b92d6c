-- copy_read_run_candidates: every candidate of every decision.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_run_candidates takes them.
select decision_id, position, thread_id, entry_id, score, passed, rationale, selected, branch_deleted_at
from run_candidates
order by thread_id, decision_id, position
