-- last_leaf_move: the seq of a thread's latest leaf move, 0 before the first.
-- Bindings: :thread_id. The last key of the thread's range of the primary key.
select coalesce(max(seq), 0)
from leaf_moves
where thread_id = :thread_id
