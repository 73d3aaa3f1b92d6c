-- thread_listed: the thread :thread_id as listings give it (with its entry and leaf counts),
-- or no row. Bindings: :thread_id. One primary-key SEARCH of threads, one range each of
-- entries' primary key and of leaves.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t
where t.id = :thread_id
