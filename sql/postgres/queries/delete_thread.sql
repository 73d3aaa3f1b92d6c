-- delete_thread: a thread; its entries follow through the cascade.
-- Bindings: :thread_id.
delete from threads where id = :thread_id
