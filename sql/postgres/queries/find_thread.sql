-- find_thread: the most recently updated thread (ties: id, descending) that is not archived
-- and whose title equals :name ignoring ASCII case; no row if none. With its entry and leaf
-- counts, as list_threads gives them.
-- Bindings: :name.
-- The index threads_title_lower (lower(title)) finds the candidates; PostgreSQL's lower()
-- folds every letter its locale knows, so translate() then keeps SQLite's ASCII-only
-- comparison (NOCASE): 'É' and 'é' stay different, as there.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t
where lower(t.title) = lower(:name)
  and translate(t.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = translate(:name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
  and t.archived_at is null
order by t.updated_at desc, t.id desc
limit 1
