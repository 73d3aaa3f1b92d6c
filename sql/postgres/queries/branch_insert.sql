-- branch_insert: a branch run, as recorded or as a dump holds it. Bindings: :thread_id,
-- :run_id, :entry_id (NULL only with :branch_deleted_at), :status, :result (JSON), :error,
-- :started_at, :updated_at, :completed_at, :branch_deleted_at.
insert into branch_runs (thread_id, run_id, entry_id, status, result, error, started_at, updated_at, completed_at,
                         branch_deleted_at)
values (:thread_id, :run_id, :entry_id, :status, :result, :error, :started_at, :updated_at, :completed_at,
        :branch_deleted_at)
