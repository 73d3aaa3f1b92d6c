-- threads_from_id: the threads whose id is at least :low, in id order, at most :limit, with
-- their entry and leaf counts as list_threads gives them: threads_by_id_prefix for a prefix
-- with no string above it (only U+10FFFF characters), so no upper bound.
-- Bindings: :low (the prefix), :limit. A range of the primary key from :low on: one SEARCH.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t
where t.id >= :low
order by t.id
limit :limit
