-- threads_by_id_prefix: the threads whose id starts with a prefix, in id order, at most :limit,
-- with their entry and leaf counts as list_threads gives them.
-- Bindings: :low (the prefix), :high (the first string after every string that starts with
-- it, computed by the caller; a blob when there is none, as every text sorts below a blob),
-- :limit. A range of the primary key (ids compare as BINARY, byte by byte, which for UTF-8 is
-- code point order): one SEARCH, however many threads the file holds. LIKE 'abc%' would scan
-- them all, as the primary key is not NOCASE and LIKE is.
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from threads as t
where t.id >= :low collate "C" and t.id < :high collate "C"
order by t.id collate "C"
limit nullif(:limit, -1)
