-- copy_write_tool_calls: one row of tool_calls as copy_read_tool_calls read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into tool_calls (id, call_id, thread_id, entry_id, name, parameters, status, result, error, created_at, updated_at, started_at, completed_at)
values (:id, :call_id, :thread_id, :entry_id, :name, :parameters, :status, :result, :error, :created_at, :updated_at, :started_at, :completed_at)
