-- insert_moved_entry: insert_entry for an entry that becomes the current leaf and keeps that
-- leaf move (migration 0011): :move_seq, the move's seq (one more than the thread's latest),
-- and :move_from, NULL for an 'append' from the entry's parent, the leaf moved from for a
-- 'fork'. Returns its id. Bindings: those of insert_entry (with :id NULL: the next id), and
-- :move_seq, :move_from. The caller moves the leaf (move_leaf) in the same transaction.
insert into entries (
  id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from,
  move_seq, move_from
)
values (
  coalesce(:id, (select f.id + 1 from entries_floor as f where not exists (select 1 from entries as e where e.id > f.id))),
  :thread_id, :parent_id, :role, :content, :item, :now, :depth, :source_id, :hidden, :content_path, :usage, :merged_from,
  :move_seq, :move_from
)
returning id
