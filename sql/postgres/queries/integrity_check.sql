-- integrity_check: SQLite's own check of the file, up to 100 problems ('ok' when none).
-- Bindings: none. Reads every page: whole-file checks only.
pragma integrity_check(100)
