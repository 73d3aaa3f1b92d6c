-- event_list: a thread's events after seq :after, oldest first, at most :limit (-1: all).
-- Bindings: :thread_id, :after, :limit. One range of the primary key (thread_id, seq).
select thread_id, seq, type, data, created_at
from events
where thread_id = :thread_id and seq > :after
order by seq
limit nullif(:limit, -1)
