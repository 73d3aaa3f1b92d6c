-- copy_write_event_floors: one row of event_floors as copy_read_event_floors read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into event_floors (thread_id, last_seq)
values (:thread_id, :last_seq)
