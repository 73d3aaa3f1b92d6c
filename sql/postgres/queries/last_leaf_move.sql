-- last_leaf_move: the seq of a thread's latest leaf move, 0 before the first.
-- Bindings: :thread_id. The last key of the thread's range of leaf_moves, and the move kept on
-- the current leaf (migration 0008): a move kept on an entry makes that entry the leaf, so
-- when the latest move is one of those, it is the current leaf's. Key lookups only.
select greatest(
  coalesce((select max(seq) from leaf_moves where thread_id = :thread_id), 0),
  coalesce((
    select e.move_seq
    from threads as t
    join entries as e on e.thread_id = t.id and e.id = t.current_leaf_id
    where t.id = :thread_id
  ), 0)
)
