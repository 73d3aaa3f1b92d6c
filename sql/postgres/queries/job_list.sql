-- job_list: jobs, most recently updated first (ties: id, descending).
-- Bindings: :limit (-1: no limit). Walks index jobs_recent backwards.
select id, name, status, progress, detail, created_at, updated_at
from jobs
order by updated_at desc, id desc
limit nullif(:limit, -1)
