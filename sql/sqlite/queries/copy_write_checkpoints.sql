-- copy_write_checkpoints: one row of checkpoints as copy_read_checkpoints read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into checkpoints (thread_id, checkpoint_id, entry_id, parent_checkpoint_id, state, created_at, save_seq)
values (:thread_id, :checkpoint_id, :entry_id, :parent_checkpoint_id, :state, :created_at, :save_seq)
