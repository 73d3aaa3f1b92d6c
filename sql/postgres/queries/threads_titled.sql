-- threads_titled: the threads, archived ones included, whose title equals :title ignoring
-- ASCII case, most recently updated first, at most :limit; with their entry and leaf counts.
-- Bindings: :title, :limit.
-- The index threads_title_lower (lower(title)) finds the candidates; PostgreSQL's lower()
-- folds every letter its locale knows, so translate() then keeps SQLite's ASCII-only
-- comparison (NOCASE): 'É' and 'é' stay different, as there.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t
where lower(t.title) = lower(:title)
  and translate(t.title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = translate(:title, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
order by t.updated_at desc, t.id desc
limit nullif(:limit, -1)
