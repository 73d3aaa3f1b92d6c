-- copy_write_leaf_moves: one row of leaf_moves as copy_read_leaf_moves read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
values (:thread_id, :seq, :from_entry_id, :to_entry_id, :reason, :created_at)
