-- thread_leaf_seq: thread_leaf with the seq of the thread's latest leaf move (0 before the
-- first), for a write that keeps its move on its entry (migration 0011): one statement where
-- thread_leaf and last_leaf_move are two. No row for an unknown thread.
-- Bindings: :thread_id. Primary-key SEARCHes only; the seq as in last_leaf_move (the latest
-- move kept on an entry is the current leaf's).
select t.current_leaf_id, e.depth, max(
  coalesce((select max(m.seq) from leaf_moves as m where m.thread_id = :thread_id), 0),
  coalesce(e.move_seq, 0)
)
from threads as t
left join entries as e on e.id = t.current_leaf_id
where t.id = :thread_id
