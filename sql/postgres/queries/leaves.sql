-- leaves: the entries of :thread_id that have no child (every branch tip), oldest first.
-- Bindings: :thread_id. The thread's range of the leaves table (kept by triggers, see
-- 0001_initial.sql) as an array, then the entries of those ids, by an index: O(leaves),
-- whatever the size of the thread. Not a join, which the planner misjudged both ways: on the
-- id alone, on tables without statistics, it read every entry of the database into a hash
-- (5.8 ms for 1,000 leaves beside a 10,000-entry thread); on (thread_id, id), with statistics
-- taken before the thread grew (its rows estimated at one), it scanned the thread's entries
-- once per leaf (76 ms). The array leaves it one plan: an index scan for a list of ids.
-- Both names of the thread are constants, so on Citus the statement goes to one shard.
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from entries as e
where e.thread_id = :thread_id
  and e.id = any(array(select l.entry_id from leaves as l where l.thread_id = :thread_id))
order by e.id
