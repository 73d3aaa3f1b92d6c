-- insert_entry: one new entry; returns its id.
-- Bindings: :id (NULL: the next id, past the floor of deleted ids when it is above every id
-- there is, migration 0013; an explicit id only when restoring a dump), :thread_id,
-- :parent_id (NULL: a new root), :role, :content, :item (JSON text or NULL), :now (its
-- created_at), :depth (the parent's depth + 1, 0 for a root; checked by the table),
-- :source_id (NULL or unique in the thread), :hidden (0/1), :content_path (where the item's
-- copy of content was cut out, or NULL), :usage (JSON text or NULL), :merged_from (the entry
-- a merge summarizes, or NULL).
insert into entries (
  id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
)
values (
  coalesce(:id, (select f.id + 1 from entries_floor as f where not exists (select 1 from entries as e where e.id > f.id))),
  :thread_id, :parent_id, :role, :content, :item, :now, :depth, :source_id, :hidden, :content_path, :usage, :merged_from
)
returning id
