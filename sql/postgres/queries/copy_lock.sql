-- copy_lock: keep every other writer out of the database a copy writes into, from its
-- emptiness check to its commit (SQLite's one writer needs no such lock). Creating a thread
-- or a job waits; readers do not. Bindings: none.
lock table threads, jobs in share row exclusive mode
