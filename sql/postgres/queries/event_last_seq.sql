-- event_last_seq: (highest seq among the thread's events, highest seq it had when last
-- compacted), each 0 when there is none; no row for an unknown thread. The next event's seq is
-- one more than the larger, so a number is never handed out twice, even after compaction.
-- Bindings: :thread_id. The primary keys of threads, events and event_floors: three SEARCHes.
select coalesce((select max(seq) from events where thread_id = t.id), 0),
       coalesce((select last_seq from event_floors where thread_id = t.id), 0)
from threads as t
where t.id = :thread_id
