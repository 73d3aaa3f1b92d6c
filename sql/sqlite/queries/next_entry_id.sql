-- next_entry_id: the id the next new entry would get (ids are never reused, so past the floor
-- of deleted ids, migration 0013, not just past the highest id there is). An import numbers
-- its entries from here under the write lock and inserts them in one executemany.
-- Bindings: none.
select max(
  coalesce((select id from entries_floor), 0),
  coalesce((select max(id) from entries), 0)
) + 1
