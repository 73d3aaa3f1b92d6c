-- search_enter: a special command of the search index (FTS5) that changes nothing once rolled
-- back: it makes the index take part in the transaction, so that a ROLLBACK TO the savepoint
-- around it makes the index drop its in-memory state (see SQLiteEngine._forget_search_state).
-- Bindings: none. 'automerge' 16 is the value migration 0010 sets (rolled back anyway).
insert into entries_search (entries_search, rank) values ('automerge', 16)
