-- tool_call_update: move a tool call from :from_status to :status (the same status: only
-- result or error change) and return it; no row if it is not in :from_status any more.
-- started_at is stamped on the move to executing, completed_at on the move to completed or
-- failed. A NULL :result or :error keeps the stored one.
-- Bindings: :thread_id and :call_id (the call and its thread: its writers take turns on the
-- thread), :from_status, :status, :result (JSON text or NULL), :error, :now.
update tool_calls set
  status = :status,
  result = coalesce(:result, result),
  error = coalesce(:error, error),
  updated_at = :now,
  started_at = case when :status = 'executing' and status <> :status then :now else started_at end,
  completed_at = case when :status in ('completed', 'failed') and status <> :status then :now else completed_at end
where thread_id = :thread_id and call_id = :call_id and status = :from_status
returning thread_id, call_id, name, parameters, status, entry_id, result, error,
          created_at, updated_at, started_at, completed_at
