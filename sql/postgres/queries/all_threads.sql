-- all_threads: (id, current_leaf_id) of every thread, in id order, for a whole-file check.
-- Bindings: none.
select id, current_leaf_id from threads order by id
