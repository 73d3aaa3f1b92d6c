-- copy_write_left_leaves: one row of left_leaves as copy_read_left_leaves read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into left_leaves (thread_id, entry_id, seq)
values (:thread_id, :entry_id, :seq)
