-- entry_values: every entry's stored values as raw bytes beside their SQL types, for check()
-- to find what only another tool can write: text that is not UTF-8, a blob where text
-- belongs, an item that is not JSON, an empty role, a content_path that leads nowhere. Nothing
-- here is decoded by SQLite.
-- Bindings: :thread_id. A range of the unique (thread_id, id) index.
select id, typeof(parent_entry_id), typeof(role), cast(role as blob), typeof(content), cast(content as blob),
       typeof(item), cast(item as blob), typeof(source_id), cast(source_id as blob), typeof(created_at),
       typeof(depth), typeof(hidden), hidden, typeof(content_path), cast(content_path as blob),
       typeof(usage), cast(usage as blob)
from entries
where thread_id = :thread_id
order by id
