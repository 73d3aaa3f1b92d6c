-- threads_titled: the threads, archived ones included, whose title equals :title ignoring
-- ASCII case, most recently updated first, at most :limit; with their entry and leaf counts.
-- Bindings: :title, :limit. One SEARCH of index threads_title_nocase; NOCASE stops comparing
-- at a NUL, so lower() = lower() decides (as in find_thread). INDEXED BY: the connection's
-- plans do not look at the value bound (SQLITE_DBCONFIG_ENABLE_QPSG), and with ANALYZE
-- statistics of a file where most threads share a title ("New chat") the planner would
-- rather scan them all than search for a rare one.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t indexed by threads_title_nocase
where t.title = :title collate nocase
  and lower(t.title) = lower(:title)
order by t.updated_at desc, t.id desc
limit :limit
