-- label_list: every label of a thread, by name. Bindings: :thread_id. A range of the primary
-- key (thread_id, name), which is in name order.
select thread_id, name, entry_id, created_at
from labels
where thread_id = :thread_id
order by name
