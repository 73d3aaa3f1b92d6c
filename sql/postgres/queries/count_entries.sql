-- count_entries: how many entries a thread has.
-- Bindings: :thread_id. Counts over the unique index on (thread_id, id).
select count(*) from entries where thread_id = :thread_id
