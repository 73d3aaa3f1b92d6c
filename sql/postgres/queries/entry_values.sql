-- entry_values: every entry's stored values as bytes beside their kinds, in the shape of
-- SQLite's query, for check() to find what only another tool can write: an item or usage
-- that is not JSON, a content_path that leads nowhere. PostgreSQL's columns have one type
-- each, so a kind is 'null' or the column's (SQLite's names); text comes back as UTF-8 bytes.
-- Bindings: :thread_id. A range of the primary key (thread_id, id).
select id, case when parent_entry_id is null then 'null' else 'integer' end,
       'text', convert_to(role, 'UTF8'), 'text', convert_to(content, 'UTF8'),
       case when item is null then 'null' else 'text' end, convert_to(item, 'UTF8'),
       case when source_id is null then 'null' else 'text' end, convert_to(source_id, 'UTF8'),
       'real', 'integer', 'integer', hidden::int,
       case when content_path is null then 'null' else 'text' end, convert_to(content_path, 'UTF8'),
       case when usage is null then 'null' else 'text' end, convert_to(usage, 'UTF8')
from entries
where thread_id = :thread_id
order by id
