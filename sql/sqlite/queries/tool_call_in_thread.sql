-- tool_call_in_thread: one tool call of a known thread, or no row: update_tool_call's read
-- once it knows the call's thread. Bound to :thread_id, it is read under that thread's write
-- lock (on PostgreSQL the Tx locks the thread's row before it), so the status it returns is
-- the one the compare-and-set of tool_call_update will find.
-- Bindings: :thread_id, :call_id (its unique index). Columns in
-- records.ToolCall.from_row order.
select thread_id, call_id, name, parameters, status, entry_id, result, error,
       created_at, updated_at, started_at, completed_at
from tool_calls
where thread_id = :thread_id and call_id = :call_id
