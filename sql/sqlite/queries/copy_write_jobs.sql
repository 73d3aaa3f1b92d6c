-- copy_write_jobs: one row of jobs as copy_read_jobs read it, into an empty database.
-- Bindings: one per column (id...). The table's own triggers check it.
insert into jobs (id, name, status, progress, detail, created_at, updated_at)
values (:id, :name, :status, :progress, :detail, :created_at, :updated_at)
