-- insert_copied_thread: the thread Store.copy_thread makes, with an empty live path until its
-- entries are in; it names where it was copied from. Bindings: :thread_id, :title, :metadata
-- (JSON text), :now, :origin_thread_id, :origin_entry_id.
insert into threads (
  id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, origin_thread_id, origin_entry_id
)
values (:thread_id, :title, :metadata, :now, :now, null, null, :origin_thread_id, :origin_entry_id)
