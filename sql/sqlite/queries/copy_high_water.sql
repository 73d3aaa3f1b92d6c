-- copy_high_water: the highest entry id this database has ever handed out (AUTOINCREMENT's
-- record in sqlite_sequence, which outlives deleted entries), 0 before the first.
-- Bindings: none.
select coalesce((select seq from sqlite_sequence where name = 'entries'), 0)
