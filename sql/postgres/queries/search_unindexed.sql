-- search_unindexed: (entry id, thread id) of the entries the search index has no row for:
-- none, PostgreSQL has no search index yet (SQLite's is FTS5). Bindings: none.
select null::bigint, null::text
where false
