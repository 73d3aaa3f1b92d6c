-- update_imported_entry: a re-import found an entry's source node changed (a reply that was
-- still being written, an edited message, a usage counted later): take the source's role,
-- text, item, hidden flag and usage.
-- Bindings: :thread_id and :entry_id (the entry and its thread: on Citus, one shard), :role,
-- :content, :item (JSON text or NULL), :hidden (0/1), :content_path (where the item's copy of
-- the text was cut out, or NULL), :usage (JSON text or NULL). The entry stays where it is:
-- entries never move.
update entries
set role = :role, content = :content, item = :item, hidden = :hidden, content_path = :content_path,
  usage = :usage
where thread_id = :thread_id and id = :entry_id
