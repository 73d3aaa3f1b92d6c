-- 0006_entries_parent_index: the index of an entry's children leads with its parent, so that a
-- lookup of one entry by (thread_id, id) can only take an index of its id (the primary key,
-- or entries_id).
--
-- Why: entries_thread_parent (thread_id, parent_entry_id) matched the leading column of such a
-- lookup as well as the primary key did. On a table the planner has no statistics for yet (a
-- new database, before autovacuum's first ANALYZE) both cost alike, and the plans it cached
-- for the parent check of every insert (threadtree_entries_before_insert) and for
-- PostgreSQL's own foreign-key check (SELECT 1 ... WHERE thread_id = $1 AND id = $2 FOR KEY
-- SHARE) took this index, reading every entry of the thread for each append: 3,000 appends
-- to one thread read 13.5 million index rows. Leading with parent_entry_id, the index serves
-- what it is for (the children of a parent in a thread, in id order: children, siblings,
-- branch points, subtrees, leaves re-found after a delete; roots by parent_entry_id IS NULL)
-- and nothing else; a thread's entries are counted on the primary key (thread_id, id).
-- Citus: an index needs no distribution column; this one holds it anyway.

drop index entries_thread_parent;

create index entries_parent on entries (parent_entry_id, thread_id, id);
