-- thread_structure: (id, parent_entry_id, depth) of every entry of :thread_id, in id order:
-- the skeleton the integrity checks rebuild the tree from (no texts: they can be large).
-- Bindings: :thread_id. The unique (thread_id, id) index gives the rows in order.
select id, parent_entry_id, depth from entries where thread_id = :thread_id order by id
