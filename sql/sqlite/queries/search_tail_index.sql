-- search_tail_index: a temporary FTS5 index of search_tail_rows, tokenized as entries_search
-- is, so that a search matches the pending entries exactly as it matches the others. In the
-- connection's temp schema (memory or a temp file: never the database file, so a store that
-- may not write its file can search too), made once. Bindings: none.
create virtual table if not exists temp.entries_search_tail using fts5 (
  content,
  content = 'entries_search_tail_rows',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
)
