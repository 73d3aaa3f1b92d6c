-- search_tail_entries: search_entries over the pending entries (the temporary index that
-- search_tail_rebuild makes), with the same bindings, columns and quoting of the phrases. Their
-- bm25 rank is computed over the pending entries alone; search() merges both lists by rank.
with top (id, rank) as (
  select e.id, entries_search_tail.rank
  from entries_search_tail
  cross join entries as e
  where entries_search_tail match (
      select group_concat('"' || replace(value, '"', '""') || '"', ' ') from json_each(:phrases)
    )
    and e.id = entries_search_tail.rowid
    and (:thread_id is null or e.thread_id = :thread_id)
    and (:include_hidden or not e.hidden)
  order by entries_search_tail.rank, e.id desc
  limit :limit
)
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from,
       snippet(entries_search_tail, 0, char(2), char(3), '…', 16), top.rank
from top
cross join entries_search_tail
cross join entries as e
where entries_search_tail match (
    select group_concat('"' || replace(value, '"', '""') || '"', ' ') from json_each(:phrases)
  )
  and entries_search_tail.rowid = top.id
  and e.id = top.id
order by top.rank, top.id desc
