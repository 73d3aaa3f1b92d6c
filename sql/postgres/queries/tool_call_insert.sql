-- tool_call_insert: a new tool call, pending. Bindings: :call_id, :thread_id, :entry_id (NULL:
-- not pinned), :name, :parameters (JSON text), :now.
insert into tool_calls (call_id, thread_id, entry_id, name, parameters, status, created_at, updated_at)
values (:call_id, :thread_id, :entry_id, :name, :parameters, 'pending', :now, :now)
