-- search_entries: the entries whose text holds every one of :phrases (a JSON array of strings,
-- each a word or a phrase as the user typed it), best first, at most :limit; each with its
-- snippet (the best passage, each match between char(2) and char(3), '…' where it is cut)
-- and its bm25 rank (smaller is better).
-- Bindings: :phrases, :thread_id (NULL: every thread), :include_hidden (0/1), :limit.
-- Every string is made a quoted FTS5 phrase here (a '"' inside doubled), so no user text is
-- ever read as FTS5 syntax: quotes, '*', '-', NEAR, OR, AND, NOT, parentheses and column
-- filters are words or nothing. The phrases are ANDed. A phrase of no word characters
-- matches nothing and drops out of the AND. The index (entries_search, FTS5) yields the
-- matching rowids; each is one primary-key SEARCH of entries, which filters thread and
-- hidden. `top` picks the best :limit by rank first, so snippets are made for those only.
with top (id, rank) as (
  select e.id, entries_search.rank
  from entries_search
  cross join entries as e
  where entries_search match (
      select group_concat('"' || replace(value, '"', '""') || '"', ' ') from json_each(:phrases)
    )
    and e.id = entries_search.rowid
    and (:thread_id is null or e.thread_id = :thread_id)
    and (:include_hidden or not e.hidden)
  order by entries_search.rank, e.id desc
  limit nullif(:limit, -1)
)
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from,
       snippet(entries_search, 0, char(2), char(3), '…', 16), top.rank
from top
cross join entries_search
cross join entries as e
where entries_search match (
    select group_concat('"' || replace(value, '"', '""') || '"', ' ') from json_each(:phrases)
  )
  and entries_search.rowid = top.id
  and e.id = top.id
order by top.rank, top.id desc
