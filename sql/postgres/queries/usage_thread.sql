-- usage_thread: the usage (JSON text) of every entry of :thread_id that has one, on any branch.
-- Bindings: :thread_id. A range of the unique (thread_id, id) index.
select usage
from entries
where thread_id = :thread_id and usage is not null
