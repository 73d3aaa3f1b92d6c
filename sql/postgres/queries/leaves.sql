-- leaves: the entries of :thread_id that have no child (every branch tip), oldest first.
-- Bindings: :thread_id. A range of the leaves table (kept by triggers, see 0001_initial.sql),
-- joined to the thread's entries by the primary key (thread_id, id): O(leaves), whatever the
-- size of the thread. The entries' thread_id is named, not only their id: without it, on
-- tables without statistics yet, the planner read every entry of the database into a hash
-- (5.8 ms for 1,000 leaves beside a 10,000-entry thread; 1.1 ms by the key).
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from leaves as l
cross join entries as e
where l.thread_id = :thread_id and e.thread_id = :thread_id and e.id = l.entry_id
order by l.entry_id
