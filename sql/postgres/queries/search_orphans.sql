-- search_orphans: the ids the search index holds that are no entry: none, PostgreSQL has no
-- search index yet (SQLite's is FTS5). Bindings: none.
select null::bigint
where false
