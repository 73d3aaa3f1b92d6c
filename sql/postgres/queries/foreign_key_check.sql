-- foreign_key_check: (table, rowid, parent table, constraint) of every row whose foreign key
-- points at a missing row. PostgreSQL holds its foreign keys on every connection but one that
-- fires no trigger (session_replication_role = replica): this looks for what such a session
-- can leave in entries (the rowid is the entry's id): a missing thread, or a parent missing
-- from the entry's thread (the composite key). Bindings: none. Whole-database checks only.
select 'entries', e.id, 'threads', 'entries_thread_id_fkey'
from entries as e
where not exists (select 1 from threads as t where t.id = e.thread_id)
union all
select 'entries', e.id, 'entries', 'entries_thread_id_parent_entry_id_fkey'
from entries as e
where e.parent_entry_id is not null
  and not exists (select 1 from entries as p where p.thread_id = e.thread_id and p.id = e.parent_entry_id)
order by 2
