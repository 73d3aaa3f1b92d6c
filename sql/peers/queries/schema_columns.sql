-- schema_columns: (table, column) for every column of every table of a peer's file, in the
-- order the tables were created: what a reader recognises the file by.
-- Bindings: none. Reads sqlite_schema and each table's pragma_table_info.
select m.name, p.name
from sqlite_schema as m
join pragma_table_info(m.name) as p
where m.type = 'table'
order by m.rowid, p.cid
