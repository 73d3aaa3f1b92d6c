-- copy_thread_leaf: the current leaf of a copied thread, set once its entries are in (a new
-- thread row cannot name an entry yet). Bindings: :thread_id, :leaf_id.
update threads set current_leaf_id = :leaf_id where id = :thread_id
