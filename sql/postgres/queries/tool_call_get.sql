-- tool_call_get: one tool call by call_id, or no row. Bindings: :call_id (unique index).
-- Columns in records.ToolCall.from_row order.
select thread_id, call_id, name, parameters, status, entry_id, result, error,
       created_at, updated_at, started_at, completed_at
from tool_calls
where call_id = :call_id
