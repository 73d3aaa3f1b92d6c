-- orphan_leaves: rows of the leaves table whose thread does not exist. Bindings: none.
select l.thread_id, l.entry_id
from leaves as l
where not exists (select 1 from threads as t where t.id = l.thread_id)
order by l.thread_id, l.entry_id
