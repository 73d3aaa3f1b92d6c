-- job_delete: the job :job_id (no row deleted: there is none).
-- Bindings: :job_id.
delete from jobs where id = :job_id
