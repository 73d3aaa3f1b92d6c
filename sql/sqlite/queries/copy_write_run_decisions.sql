-- copy_write_run_decisions: one row of run_decisions as copy_read_run_decisions read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into run_decisions (id, thread_id, run_id, entry_id, decided_at, branch_deleted_at)
values (:id, :thread_id, :run_id, :entry_id, :decided_at, :branch_deleted_at)
