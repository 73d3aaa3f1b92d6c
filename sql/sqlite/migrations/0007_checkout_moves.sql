-- 0007_checkout_moves: 'checkout' joins the reasons a leaf move is recorded with.
--
-- Store.checkout (the CLI's `checkout ENTRY`) moves a leaf to any entry, on its branch or
-- another one. It used to be recorded as 'rewind', so `threadtree log` told the user they had
-- done something they had not. SQLite cannot change a CHECK constraint in place: the table
-- is rebuilt (same columns, same key, same rows) in this migration's transaction. Nothing
-- refers to leaf_moves, so renaming the new table into place breaks no reference.

create table leaf_moves_0007 (
  thread_id text not null references threads (id) on delete cascade,
  seq integer not null check (seq >= 1),
  from_entry_id integer,
  to_entry_id integer,
  reason text not null check (reason in (
    'append', 'extend', 'fork', 'rewind', 'pop', 'redo', 'switch', 'clear', 'delete_branch', 'import', 'restore',
    'checkout'
  )),
  created_at real not null,
  primary key (thread_id, seq),
  check (from_entry_id is not to_entry_id)
) without rowid;

insert into leaf_moves_0007 (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from leaf_moves;

drop table leaf_moves;

alter table leaf_moves_0007 rename to leaf_moves;
