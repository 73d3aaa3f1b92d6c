-- copy_write_threads: one row of threads as copy_read_threads read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into threads (id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id, origin_thread_id, origin_entry_id)
values (:id, :title, :metadata, :created_at, :updated_at, :archived_at, :current_leaf_id, :source_format, :source_id, :origin_thread_id, :origin_entry_id)
