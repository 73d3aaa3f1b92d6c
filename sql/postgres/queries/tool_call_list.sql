-- tool_call_list: a thread's tool calls, oldest first. Bindings: :thread_id.
-- Index tool_calls_thread gives the thread's rows; they are sorted by id (creation order).
select thread_id, call_id, name, parameters, status, entry_id, result, error,
       created_at, updated_at, started_at, completed_at
from tool_calls
where thread_id = :thread_id
order by id
