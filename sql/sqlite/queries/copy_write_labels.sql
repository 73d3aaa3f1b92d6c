-- copy_write_labels: one row of labels as copy_read_labels read it, into an empty database.
-- Bindings: one per column (thread_id...). The table's own triggers check it.
insert into labels (thread_id, name, entry_id, created_at)
values (:thread_id, :name, :entry_id, :created_at)
