-- copy_write_run_decisions: rows of run_decisions as copy_read_run_decisions read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy run_decisions (id, thread_id, run_id, entry_id, decided_at, branch_deleted_at) from stdin
