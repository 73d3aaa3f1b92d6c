-- tools_delete: every tool definition of a thread (set_tools replaces the list whole).
-- Bindings: :thread_id. A range of the primary key (thread_id, position).
delete from thread_tools where thread_id = :thread_id
