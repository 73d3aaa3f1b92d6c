-- search_unindexed: (entry id, thread id) of the entries neither in the search index nor in
-- its pending list (migration 0010): written behind the triggers' back, search() cannot find
-- them. In id order. Bindings: none. entries_search_docsize is FTS5's own table of the
-- indexed rowids: primary keys merged.
select e.id, e.thread_id
from entries as e
where not exists (select 1 from entries_search_docsize as d where d.id = e.id)
  and not exists (select 1 from entries_search_pending as p where p.id = e.id)
order by e.id
