-- event_delete_before: compaction: a thread's events numbered below :seq.
-- Bindings: :thread_id, :seq. One range of the primary key.
delete from events where thread_id = :thread_id and seq < :seq
