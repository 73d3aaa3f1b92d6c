-- decision_at: when :run_id decided at entry :entry_id, or no row. Bindings: :thread_id,
-- :run_id, :entry_id. The unique index (thread_id, run_id, entry_id).
select decided_at from run_decisions
where thread_id = :thread_id and run_id = :run_id and entry_id = :entry_id
