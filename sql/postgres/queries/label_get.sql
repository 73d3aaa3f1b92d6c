-- label_get: one label of a thread, or no row. Bindings: :thread_id, :name. A primary-key
-- SEARCH.
select thread_id, name, entry_id, created_at
from labels
where thread_id = :thread_id and name = :name
