-- search_unindexed: (entry id, thread id) of the entries the search index has no row for
-- (written behind the triggers' back), in id order. Bindings: none. entries_search_docsize
-- is FTS5's own table of the indexed rowids: the two primary keys, merged.
select e.id, e.thread_id
from entries as e
where not exists (select 1 from entries_search_docsize as d where d.id = e.id)
order by e.id
