-- children: the direct children of :entry_id, oldest first.
-- Bindings: :entry_id. SEARCH on entries_parent (parent_entry_id, thread_id, id), which
-- yields rows in id order.
select c.id, c.thread_id, c.parent_entry_id, c.role, c.content, c.item, c.created_at, c.depth, c.source_id, c.hidden, c.content_path, c.usage, c.merged_from
from entries as p
join entries as c on c.thread_id = p.thread_id and c.parent_entry_id = p.id
where p.id = :entry_id
order by c.id
