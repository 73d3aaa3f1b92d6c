-- thread_rows: every entry of :thread_id as raw rows, in id order (parents before children),
-- for the graph and the integrity checks. Bindings: :thread_id. The unique (thread_id, id)
-- index gives the order; nothing here trusts the tree queries it is meant to check.
select id, parent_entry_id, role, content, created_at, depth, hidden
from entries
where thread_id = :thread_id
order by id
