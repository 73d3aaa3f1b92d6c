-- label_delete: remove a label from a thread. Bindings: :thread_id, :name. A primary-key
-- SEARCH; changes() says whether there was one.
delete from labels where thread_id = :thread_id and name = :name
