-- thread_leaf: a thread's current leaf and that leaf's depth, or no row for an unknown thread.
-- Bindings: :thread_id. Two columns on purpose: (NULL, NULL) is an empty live path, no row is
-- no thread.
select t.current_leaf_id, e.depth
from threads as t
left join entries as e on e.id = t.current_leaf_id
where t.id = :thread_id
