-- copy_write_events: rows of events as copy_read_events read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy events (thread_id, seq, type, data, created_at) from stdin
