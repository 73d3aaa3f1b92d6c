-- copy_write_thread_tools: rows of thread_tools as copy_read_thread_tools read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy thread_tools (thread_id, position, name, definition) from stdin
