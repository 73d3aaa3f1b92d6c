-- copy_write_thread_tools: one row of thread_tools as copy_read_thread_tools read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into thread_tools (thread_id, position, name, definition)
values (:thread_id, :position, :name, :definition)
