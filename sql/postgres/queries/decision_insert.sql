-- decision_insert: a decision of a run, as made or as a dump holds it; gives its id for the
-- candidates. Bindings: :thread_id, :run_id, :entry_id (NULL only with :branch_deleted_at),
-- :decided_at, :branch_deleted_at.
insert into run_decisions (thread_id, run_id, entry_id, decided_at, branch_deleted_at)
values (:thread_id, :run_id, :entry_id, :decided_at, :branch_deleted_at)
returning id
