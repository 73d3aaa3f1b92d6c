-- run_delete: a run and, by cascade, its records (a restore replaces a run whole).
-- Bindings: :thread_id, :run_id.
delete from workflow_runs where thread_id = :thread_id and run_id = :run_id
