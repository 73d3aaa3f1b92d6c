-- source_entries: (source_id, id, parent_entry_id, role, content, item, hidden, depth,
-- content_path, usage) of every entry of :thread_id that has a source_id, for matching a
-- re-import against what is there.
-- Bindings: :thread_id. A range of the unique index entries_source.
select source_id, id, parent_entry_id, role, content, item, hidden, depth, content_path, usage
from entries
where thread_id = :thread_id and source_id is not null
