-- update_imported_thread: a re-import or restore sets what its source says about a thread.
-- Bindings: :thread_id, :title, :metadata (JSON text), :leaf_id (the live leaf, NULL for an
-- empty path), :updated_at, :archived_at.
update threads
set title = :title, metadata = :metadata, current_leaf_id = :leaf_id, updated_at = :updated_at,
    archived_at = :archived_at
where id = :thread_id
