-- 0003_leaf_moves: every change of a thread's current leaf, recorded in the transaction that
-- made it. What redo and "where was I" rest on.
--
-- seq counts a thread's moves from 1 without gaps (a writer holds the write lock while it adds
-- one). from_entry_id / to_entry_id are the leaf before and after (NULL: an empty path); they
-- are history, so no foreign key: an entry deleted later stays named here. reason says which
-- call moved the leaf. The rows go with their thread.

create table leaf_moves (
  thread_id text not null references threads (id) on delete cascade,
  seq integer not null check (seq >= 1),
  from_entry_id integer,
  to_entry_id integer,
  reason text not null check (reason in (
    'append', 'extend', 'fork', 'rewind', 'pop', 'redo', 'switch', 'clear', 'delete_branch', 'import', 'restore'
  )),
  created_at real not null,
  primary key (thread_id, seq),
  check (from_entry_id is not to_entry_id)
) without rowid;
