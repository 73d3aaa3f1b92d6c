-- copy_write_run_candidates: one row of run_candidates as copy_read_run_candidates read it, into an empty database.
-- Bindings: one per column (decision_id...). The table's own triggers check it.
insert into run_candidates (decision_id, position, thread_id, entry_id, score, passed, rationale, selected, branch_deleted_at)
values (:decision_id, :position, :thread_id, :entry_id, :score, :passed, :rationale, :selected, :branch_deleted_at)
