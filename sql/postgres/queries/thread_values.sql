-- thread_values: every thread's stored values as raw bytes beside their SQL types (see
-- entry_values), in id order. Bindings: none. The id comes back as bytes too: a thread id
-- that is not UTF-8 must not stop the check that reports it.
select cast(id as blob), typeof(id), typeof(title), cast(title as blob), typeof(metadata), cast(metadata as blob),
       typeof(created_at), typeof(updated_at), typeof(archived_at), typeof(current_leaf_id),
       typeof(source_format), cast(source_format as blob), typeof(source_id), cast(source_id as blob)
from threads
order by id
