-- search_tail_rows: the entries the search index has not taken yet (see migration 0012): those
-- above its high-water mark, and those below it that wait all the same (rewritten texts), as
-- the content of the temporary index search_tail_index makes: a view of this connection's temp
-- schema, made once. The first part reads the newest entries by their primary key. Bindings:
-- none.
create temp view if not exists entries_search_tail_rows (id, content) as
  select e.id, e.content
  from main.entries as e
  where e.id > (select id from main.entries_search_mark)
  union all
  select e.id, e.content
  from main.entries_search_pending as p
  cross join main.entries as e
  where e.id = p.id and e.id <= (select id from main.entries_search_mark)
