-- insert_entry: one new entry; returns its id.
-- Bindings: :thread_id, :parent_id (NULL: a new root), :role, :content, :item (JSON text or
-- NULL), :now, :depth (the parent's depth + 1, 0 for a root; checked by the table).
insert into entries (thread_id, parent_entry_id, role, content, item, created_at, depth)
values (:thread_id, :parent_id, :role, :content, :item, :now, :depth)
returning id
