-- tools_list: the tool definitions of a thread (JSON text), in the order set_tools was given.
-- Bindings: :thread_id. A range of the primary key (thread_id, position), in key order.
select definition
from thread_tools
where thread_id = :thread_id
order by position
