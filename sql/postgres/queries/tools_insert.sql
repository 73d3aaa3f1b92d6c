-- tools_insert: one tool definition of a thread, at :position (0, 1, 2...).
-- Bindings: :thread_id, :position, :name, :definition (the JSON object as given). A name taken
-- in the thread fails unique (thread_id, name).
insert into thread_tools (thread_id, position, name, definition)
values (:thread_id, :position, :name, :definition)
