-- search_orphans: the ids the search index holds that are no entry: none on PostgreSQL,
-- whose index is a column of the entries' own rows (search_words, migration 0005), gone
-- with them. Bindings: none.
select null::bigint
where false
