-- insert_thread: a new thread with an empty live path; returns it.
-- Bindings: :thread_id, :title, :metadata (JSON text), :now. A taken id fails the primary key.
insert into threads (id, title, metadata, created_at, updated_at, archived_at, current_leaf_id)
values (:thread_id, :title, :metadata, :now, :now, null, null)
returning id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id,
       origin_thread_id, origin_entry_id
