-- copy_write_event_floors: rows of event_floors as copy_read_event_floors read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy event_floors (thread_id, last_seq) from stdin
