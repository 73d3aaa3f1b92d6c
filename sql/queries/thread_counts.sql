-- thread_counts: how many entries and how many branch tips a thread has.
-- Bindings: :thread_id. Two index range counts (entries by (thread_id, id), the leaves table).
select
  (select count(*) from entries where thread_id = :thread_id),
  (select count(*) from leaves where thread_id = :thread_id)
