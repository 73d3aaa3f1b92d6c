-- copy_write_jobs: rows of jobs as copy_read_jobs read them, into an empty database,
-- by COPY (Tx.load writes the rows; a row trigger still checks each one).
-- Bindings: none; the rows' values in the order of the column list.
copy jobs (id, name, status, progress, detail, created_at, updated_at) from stdin
