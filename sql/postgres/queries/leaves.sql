-- leaves: the entries of :thread_id that have no child (every branch tip), oldest first.
-- Bindings: :thread_id. A range of the leaves table (kept by triggers, see 0001_initial.sql),
-- then one primary-key SEARCH per leaf: O(leaves), whatever the size of the thread.
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from leaves as l
cross join entries as e
where l.thread_id = :thread_id and e.id = l.entry_id
order by l.entry_id
