-- job_get: one job by id, or no row.
-- Bindings: :job_id. Columns in records.Job.from_row order.
select id, name, status, progress, detail, created_at, updated_at
from jobs
where id = :job_id
