-- search_orphans: (id, what) of the rows of the search index that no entry matches (deleted
-- behind the triggers' back), in id order. what is 'gone' for an id the index or its pending
-- list holds that is no entry, 'twice' for an entry both in the index and waiting for it
-- (above the high-water mark or in the pending list, migration 0012: its batch would count
-- its words twice). Bindings: none. entries_search_docsize is FTS5's own table of the indexed
-- rowids; the pending list holds at most 255 ids.
select d.id, case when exists (select 1 from entries as e where e.id = d.id) then 'twice' else 'gone' end
from entries_search_docsize as d
where not exists (select 1 from entries as e where e.id = d.id)
   or d.id > (select id from entries_search_mark)
union all
select p.id, case when exists (select 1 from entries as e where e.id = p.id) then 'twice' else 'gone' end
from entries_search_pending as p
where not exists (select 1 from entries as e where e.id = p.id)
   or exists (select 1 from entries_search_docsize as d where d.id = p.id)
order by 1
