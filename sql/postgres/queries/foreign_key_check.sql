-- foreign_key_check: (table, rowid, parent table, constraint) of every row whose foreign key
-- points at a missing row: none here, PostgreSQL holds its foreign keys on every connection
-- (SQLite only on those that turn them on). A dangling parent or leaf still shows in check()'s
-- own tree checks. Bindings: none.
select null::text, null::bigint, null::text, null::text
where false
