-- insert_imported_thread: a thread made by an import or a restore; returns it.
-- Bindings: :thread_id, :title, :metadata (JSON text), :created_at, :updated_at, :archived_at,
-- :source_format, :source_id (both NULL for a thread that came from no other system),
-- :origin_thread_id, :origin_entry_id (both NULL unless a restored thread was a copy).
insert into threads (
  id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
  origin_thread_id, origin_entry_id
)
values (
  :thread_id, :title, :metadata, :created_at, :updated_at, :archived_at, null, :source_format, :source_id,
  :origin_thread_id, :origin_entry_id
)
returning id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
