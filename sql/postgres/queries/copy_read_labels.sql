-- copy_read_labels: every label.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_labels takes them.
select thread_id, name, entry_id, created_at
from labels
order by thread_id, name
