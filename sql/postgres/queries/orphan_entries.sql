-- orphan_entries: entries whose thread does not exist (only a file written with foreign keys
-- off can hold them), in id order. Bindings: none. Reads every entry once: whole-file checks
-- only.
select e.id, e.thread_id
from entries as e
where not exists (select 1 from threads as t where t.id = e.thread_id)
order by e.id
