-- unarchive_thread: clear the archive mark of a thread; returns it.
-- Bindings: :thread_id, :now.
update threads
set archived_at = null, updated_at = :now
where id = :thread_id
returning id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
