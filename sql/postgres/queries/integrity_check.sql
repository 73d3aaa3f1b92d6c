-- integrity_check: the engine's own check of the database, 'ok' when nothing: PostgreSQL
-- checks its pages itself (a damaged one raises DataCorrupted mid-query, which check()
-- reports) and has no statement like SQLite's PRAGMA integrity_check, so this says 'ok'.
-- Bindings: none.
select 'ok'
