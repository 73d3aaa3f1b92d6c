-- copy_read_tool_calls: every tool call, in its lifecycle state, by id.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_tool_calls takes them.
select id, call_id, thread_id, entry_id, name, parameters, status, result, error, created_at, updated_at, started_at, completed_at
from tool_calls
order by id
