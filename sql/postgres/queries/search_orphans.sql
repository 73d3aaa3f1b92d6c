-- search_orphans: (id, what) of the rows the search index holds that no entry matches: none,
-- PostgreSQL has no search index yet (SQLite's is FTS5). Bindings: none.
select null::bigint, null::text
where false
