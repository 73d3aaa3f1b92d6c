-- thread_of_rowid: the id of the thread stored at a rowid (PRAGMA foreign_key_check reports
-- rows of threads by rowid). Bindings: :rowid.
select id from threads where rowid = :rowid
