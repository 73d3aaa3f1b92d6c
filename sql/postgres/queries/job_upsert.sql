-- job_upsert: create the job :job_id or replace its name, status, progress and detail; returns
-- it. created_at is kept from the first upsert, updated_at is :now.
-- Bindings: :job_id, :name, :status, :progress (NULL: unknown), :detail (JSON text or NULL),
-- :now. Columns in records.Job.from_row order.
insert into jobs (id, name, status, progress, detail, created_at, updated_at)
values (:job_id, :name, :status, :progress, :detail, :now, :now)
on conflict (id) do update
set name = excluded.name,
    status = excluded.status,
    progress = excluded.progress,
    detail = excluded.detail,
    updated_at = excluded.updated_at
returning id, name, status, progress, detail, created_at, updated_at
