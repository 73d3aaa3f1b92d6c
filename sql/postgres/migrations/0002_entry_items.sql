-- 0002_entry_items: every entry with its item whole, for reading the database with SQL, as
-- SQLite's view of the same name (its migration 0004). content_path is an SQLite JSON path
-- of plain keys and indexes ('$.content', '$.content[0].text', '$[0]'): here it becomes the
-- text array jsonb_set takes ('{content,0,text}'). The item comes back as jsonb's text (keys
-- in jsonb's order, a space after each colon and comma): the same JSON value, not the same
-- bytes.

create view entry_items (id, thread_id, parent_entry_id, role, content, item) as
select id, thread_id, parent_entry_id, role, content,
       case when content_path is null then item
            else jsonb_set(
              item::jsonb,
              string_to_array(substr(regexp_replace(content_path, '\[(\d+)\]', '.\1', 'g'), 3), '.'),
              to_jsonb(content)
            )::text
       end
from entries;
