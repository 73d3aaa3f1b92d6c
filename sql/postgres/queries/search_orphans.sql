-- search_orphans: (id, what) of the rows the search index holds that no entry matches: none on
-- PostgreSQL, whose index is a column of the entries' own rows (search_words, migration 0005),
-- gone with them. Bindings: none.
select null::bigint, null::text
where false
