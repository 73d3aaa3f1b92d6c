-- leaf_history: the leaf moves of :thread_id, newest first, at most :limit (-1: all).
-- Bindings: :thread_id, :limit. The primary key range, walked backwards.
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at
from leaf_moves
where thread_id = :thread_id
order by seq desc
limit nullif(:limit, -1)
