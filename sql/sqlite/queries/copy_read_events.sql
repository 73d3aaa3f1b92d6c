-- copy_read_events: every event of every thread's log.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_events takes them.
select thread_id, seq, type, data, created_at
from events
order by thread_id, seq
