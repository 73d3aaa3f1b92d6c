-- event_insert: one event. Bindings: :thread_id, :seq (from event_last_seq, read in the same
-- write transaction), :type, :data (JSON text or NULL), :now.
insert into events (thread_id, seq, type, data, created_at)
values (:thread_id, :seq, :type, :data, :now)
