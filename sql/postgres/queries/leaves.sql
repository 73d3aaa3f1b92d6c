-- leaves: the entries of :thread_id that have no child (every branch tip), oldest first.
-- Bindings: :thread_id. The thread's range of the leaves table (kept by triggers, see
-- 0001_initial.sql), then each leaf's entry by the primary key, in a LATERAL subquery kept
-- apart by OFFSET 0: O(leaves), whatever the size of the thread and whatever the statistics.
-- A plain join was misjudged both ways: on the id alone, on tables without statistics, it
-- read every entry of the database into a hash (5.8 ms for 1,000 leaves beside a
-- 10,000-entry thread); on (thread_id, id), with statistics taken before the thread grew (its
-- rows estimated at one), it scanned the thread's entries once per leaf (76 ms). A list of
-- ids (e.id = any(array(...))) was no better without statistics: a scan of the whole thread
-- filtered by the list, a linear search of 1,000 ids per entry (4.8 ms for 1,000 leaves of a
-- 1,001-entry thread, 2.6 ms by key). With statistics the list is a little faster (1.3 ms
-- of the server's time against 1.65 ms here, 1,000 leaves): the price of a plan that does not
-- depend on them. The lookup names its columns: `select *` carried search_words along. Both
-- names of the thread are constants, so on Citus the statement goes to one shard.
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from leaves as l
cross join lateral (
  select id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage,
         merged_from
  from entries where entries.thread_id = :thread_id and entries.id = l.entry_id offset 0
) as e
where l.thread_id = :thread_id
order by l.entry_id
