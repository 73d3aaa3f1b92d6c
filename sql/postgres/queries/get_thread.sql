-- get_thread: one thread by id, or no row.
-- Bindings: :thread_id. Columns in records.Thread.from_row order.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
from threads
where id = :thread_id
