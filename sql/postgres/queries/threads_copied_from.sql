-- threads_copied_from: the threads Store.copy_thread made from :thread_id, oldest first.
-- Bindings: :thread_id. One SEARCH of the partial index threads_origin.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
from threads
where origin_thread_id = :thread_id
order by created_at, id
