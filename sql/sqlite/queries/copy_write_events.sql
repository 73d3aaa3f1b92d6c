-- copy_write_events: one row of events as copy_read_events read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into events (thread_id, seq, type, data, created_at)
values (:thread_id, :seq, :type, :data, :created_at)
