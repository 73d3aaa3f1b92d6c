-- list_threads: a page of threads, most recently updated first (ties: id, descending).
-- Bindings: :include_archived (0/1); :search (text the title must contain, matched literally
-- and ignoring ASCII case, as LIKE does; NULL for all); :limit (-1: no limit); :offset. Walks
-- index threads_recent backwards. instr, not LIKE: a LIKE pattern stops at a NUL and is
-- refused past 50,000 bytes, and instr needs no escaping at all.
select id, title, metadata, created_at, updated_at, archived_at, current_leaf_id, source_format, source_id
from threads
where (:include_archived or archived_at is null)
  and (:search is null or instr(lower(title), lower(:search)) > 0)
order by updated_at desc, id desc
limit :limit offset :offset
