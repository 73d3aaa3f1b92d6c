-- search_entries: the entries whose words hold every one of :phrases (a JSON array of
-- strings, each a word or a phrase as the user typed it), best first, at most :limit; each
-- with a NULL snippet (made from the content by threadtree._db.snippet: ts_headline would
-- parse the text again without the accent folding of the index, and miss 'Café' for 'cafe')
-- and its rank, ts_rank negated so that smaller is better, as SQLite's bm25; ties newest first.
-- Bindings: :phrases, :thread_id (NULL: every thread, which fans out under Citus),
-- :include_hidden (0/1), :limit.
-- No user text is ever read as query syntax: threadtree_search_query (migration 0005) makes
-- each phrase a phrase query of its plain words and ANDs them. The GIN index entries_search
-- yields the rows whose words hold them all; the phrase's order is checked, and the rank
-- computed, on the row's stored words (search_words), never by parsing the text again.
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from,
       null::text, -pg_catalog.ts_rank(e.search_words, q.query, 1)::double precision as rank
from entries as e,
     (select threadtree_search_query(cast(:phrases as jsonb)) as query) as q
where e.search_words @@ q.query
  and (:thread_id is null or e.thread_id = :thread_id)
  and (:include_hidden or not e.hidden)
order by rank, e.id desc
limit :limit
