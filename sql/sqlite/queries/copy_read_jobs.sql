-- copy_read_jobs: every job.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_jobs takes them.
select id, name, status, progress, detail, created_at, updated_at
from jobs
order by id
