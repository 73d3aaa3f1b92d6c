-- copy_read_threads: every thread, by id. copy_database writes it
-- without its current_leaf_id, set once the entries are in (copy_thread_leaf).
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_threads takes them.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id, origin_thread_id, origin_entry_id
from threads
order by id
