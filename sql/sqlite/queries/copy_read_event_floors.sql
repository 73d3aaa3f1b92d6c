-- copy_read_event_floors: the highest event seq each compacted log has issued.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_event_floors takes them.
select thread_id, last_seq
from event_floors
order by thread_id
