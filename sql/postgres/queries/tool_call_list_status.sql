-- tool_call_list_status: a thread's tool calls in one status, oldest first.
-- Bindings: :thread_id, :status. One range of index tool_calls_thread, already in order.
select thread_id, call_id, name, parameters, status, entry_id, result, error,
       created_at, updated_at, started_at, completed_at
from tool_calls
where thread_id = :thread_id and status = :status
order by id
