-- find_source_thread: the thread imported from conversation :source_id of :source_format, or
-- no row. Bindings: :source_format, :source_id. SEARCH on the unique index threads_source.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
from threads
where source_format = :source_format and source_id = :source_id
