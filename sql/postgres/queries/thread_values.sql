-- thread_values: every thread's stored values as bytes beside their kinds, in the shape of
-- SQLite's query (see entry_values), in id order. Bindings: none. PostgreSQL's columns have
-- one type each, so a kind is 'null' or the column's; the text comes back as UTF-8 bytes.
select convert_to(id, 'UTF8'), 'text',
       case when title is null then 'null' else 'text' end, convert_to(title, 'UTF8'),
       'text', convert_to(metadata, 'UTF8'),
       'real', 'real', case when archived_at is null then 'null' else 'real' end,
       case when current_leaf_id is null then 'null' else 'integer' end,
       case when source_format is null then 'null' else 'text' end, convert_to(source_format, 'UTF8'),
       case when source_id is null then 'null' else 'text' end, convert_to(source_id, 'UTF8')
from threads
order by id
