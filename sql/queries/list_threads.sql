-- list_threads: a page of threads, most recently updated first (ties: id, descending).
-- Bindings: :include_archived (0/1); :pattern (a LIKE pattern with \ as escape, or NULL for
-- all); :limit (-1: no limit); :offset. Walks index threads_recent backwards.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id
from threads
where (:include_archived or archived_at is null)
  and (:pattern is null or title like :pattern escape '\')
order by updated_at desc, id desc
limit :limit offset :offset
