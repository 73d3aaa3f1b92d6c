-- copy_read_thread_tools: the tool definitions of every thread.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_thread_tools takes them.
select thread_id, position, name, definition
from thread_tools
order by thread_id, position
