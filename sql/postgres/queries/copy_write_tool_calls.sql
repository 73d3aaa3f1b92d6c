-- copy_write_tool_calls: rows of tool_calls as copy_read_tool_calls read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy tool_calls (id, call_id, thread_id, entry_id, name, parameters, status, result, error, created_at, updated_at, started_at, completed_at) from stdin
