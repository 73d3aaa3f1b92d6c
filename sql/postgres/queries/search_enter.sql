-- search_enter: a special command of the search index (FTS5) that changes nothing once rolled
-- back: it makes the index take part in the transaction, so that a ROLLBACK TO the savepoint
-- around it makes the index drop its in-memory state (see SQLiteEngine._forget_search_state).
-- Bindings: none. 'automerge' 4 is FTS5's default.
insert into entries_search (entries_search, rank) values ('automerge', 4)
