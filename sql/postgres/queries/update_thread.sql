-- update_thread: replace the title and/or the metadata of a thread; returns it.
-- Bindings: :thread_id, :set_title (0/1), :title, :set_metadata (0/1), :metadata, :now.
update threads
set title = case when :set_title then :title else title end,
    metadata = case when :set_metadata then :metadata else metadata end,
    updated_at = :now
where id = :thread_id
returning id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
