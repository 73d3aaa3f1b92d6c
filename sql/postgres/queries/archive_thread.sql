-- archive_thread: mark a thread archived (keeping the first archive time); returns it.
-- Bindings: :thread_id, :now.
update threads
set archived_at = coalesce(archived_at, :now), updated_at = :now
where id = :thread_id
returning id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
