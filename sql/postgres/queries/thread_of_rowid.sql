-- thread_of_rowid: the id of the thread at a row named by foreign_key_check, which names none
-- here (PostgreSQL has no rowid). Bindings: :rowid.
select id from threads where false and :rowid is null
