-- search_orphans: the rowids the search index holds that are no entry (deleted behind the
-- triggers' back), in order. Bindings: none. The two primary keys, merged.
select d.id
from entries_search_docsize as d
where not exists (select 1 from entries as e where e.id = d.id)
order by d.id
