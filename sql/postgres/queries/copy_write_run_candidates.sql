-- copy_write_run_candidates: rows of run_candidates as copy_read_run_candidates read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy run_candidates (decision_id, position, thread_id, entry_id, score, passed, rationale, selected, branch_deleted_at) from stdin
