-- next_entry_id: the id the next new entry would get (AUTOINCREMENT never reuses an id, so
-- past the highest ever given, not just the highest there is). An import numbers its entries
-- from here under the write lock and inserts them in one executemany.
-- Bindings: none. sqlite_sequence is SQLite's own record of AUTOINCREMENT.
select max(
  coalesce((select seq from sqlite_sequence where name = 'entries'), 0),
  coalesce((select max(id) from entries), 0)
) + 1
