-- copy_high_water: an id at or above every entry id this database has handed out (the largest
-- there is, or the floor of deleted ids, migration 0013, when that is higher), 0 before the
-- first. Bindings: none.
select max(coalesce((select id from entries_floor), 0), coalesce((select max(id) from entries), 0))
