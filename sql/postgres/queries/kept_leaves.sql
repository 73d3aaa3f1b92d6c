-- kept_leaves: the entry ids the leaves table holds for :thread_id, in order.
-- Bindings: :thread_id. A range of the leaves table's primary key.
select entry_id from leaves where thread_id = :thread_id order by entry_id
