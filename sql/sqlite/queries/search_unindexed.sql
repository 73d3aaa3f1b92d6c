-- search_unindexed: (entry id, thread id) of the entries at or below the search index's
-- high-water mark (migration 0012) that are neither in the index nor in its pending list:
-- written behind the triggers' back, search() cannot find them. In id order. Bindings: none.
-- entries_search_docsize is FTS5's own table of the indexed rowids: primary keys merged.
select e.id, e.thread_id
from entries as e
where e.id <= (select id from entries_search_mark)
  and not exists (select 1 from entries_search_docsize as d where d.id = e.id)
  and not exists (select 1 from entries_search_pending as p where p.id = e.id)
order by e.id
