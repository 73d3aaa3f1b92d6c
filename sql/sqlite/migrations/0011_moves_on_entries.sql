-- 0011_moves_on_entries: an append's or a fork's leaf move is kept on the entry it made, not in
-- a row of its own, so that an append writes one page less (issue 20).
--
-- Why: at synchronous=NORMAL a commit costs what it writes, and every append wrote a
-- leaf_moves row: a page of its own in the WAL for a fact the new entry already holds (the
-- leaf moved to it, from its parent, at its created_at). Counted in the WAL: 9.3 pages an
-- append before, 8.2 after; a fork 10.7 before, 9.6 after.
--
-- entries.move_seq: the seq of the leaf move that made this entry the current leaf when it was
-- written, NULL when it made no move of its own (an entry inside an extend or an import, or
-- a move kept as a row). entries.move_from: NULL for an 'append' move, whose from_entry_id is
-- the entry's parent; the leaf it moved from for a 'fork' move. Nothing else is kept on
-- entries: the reason, the thread and the time are the entry's own.
--
-- leaf_moves keeps every other move (rewinds, redo, checkouts, extends, imports...) and the
-- appends and forks that do not fit the rule: an append under another entry than the leaf, a
-- fork from an empty path. The leaf history is the two together (queries leaf_history,
-- last_leaf_move, copy_read_leaf_moves); seq still numbers a thread's moves from 1 without
-- gaps. Nothing above the queries changed: threadtree still inserts every move into
-- leaf_moves, and the trigger leaf_moves_kept_on_entries puts the ones that fit on their
-- entry instead (a BEFORE trigger that ends in RAISE(IGNORE) keeps what it did and skips the
-- insert). So a copy from PostgreSQL, whose leaf_moves holds every move, comes out the same.
-- A move kept on an entry is history too: when the entry is deleted, its move goes into
-- leaf_moves (trigger entries_move_outlives_entry), as it would always have been there.
--
-- An entry's move_seq grows with its id within a thread (a move is recorded in the write that
-- makes the entry, and ids only grow): leaf_history walks the thread's newest entries by the
-- unique (thread_id, id) index and needs no index of its own. The existing appends and forks
-- move onto their entries in this migration's transaction, by the same rule.

alter table entries add column move_seq integer
  check (move_seq is null or (typeof(move_seq) = 'integer' and move_seq >= 1));
alter table entries add column move_from integer
  check (move_from is null or (typeof(move_from) = 'integer' and move_seq is not null));

update entries set move_seq = m.seq, move_from = case m.reason when 'fork' then m.from_entry_id end
from leaf_moves as m
where m.thread_id = entries.thread_id and m.to_entry_id = entries.id and m.created_at = entries.created_at
  and ((m.reason = 'append' and m.from_entry_id is entries.parent_entry_id)
       or (m.reason = 'fork' and m.from_entry_id is not null));

delete from leaf_moves
where exists (
  select 1 from entries as e
  where e.id = leaf_moves.to_entry_id and e.thread_id = leaf_moves.thread_id and e.move_seq = leaf_moves.seq
);

-- The rule, for every connection: an 'append' from the entry's parent, or a 'fork' from an
-- entry, made at the entry's created_at, onto an entry that has no move yet, and with a seq
-- no row holds (the primary key then refuses the insert, as it did before).
create trigger leaf_moves_kept_on_entries
before insert on leaf_moves
when new.reason in ('append', 'fork')
  and exists (
    select 1 from entries
    where id = new.to_entry_id and thread_id = new.thread_id and created_at = new.created_at
      and move_seq is null
      and case new.reason when 'append' then parent_entry_id is new.from_entry_id else new.from_entry_id is not null end
  )
  and not exists (select 1 from leaf_moves where thread_id = new.thread_id and seq = new.seq)
begin
  update entries set move_seq = new.seq, move_from = case new.reason when 'fork' then new.from_entry_id end
  where id = new.to_entry_id;
  select raise(ignore);
end;

-- History outlives the entry (as a row always did). Not when the thread itself goes: its
-- history goes with it (the cascade deletes the thread first, then its entries).
create trigger entries_move_outlives_entry
after delete on entries
when old.move_seq is not null and exists (select 1 from threads where id = old.thread_id)
begin
  insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
  values (
    old.thread_id, old.move_seq, coalesce(old.move_from, old.parent_entry_id), old.id,
    case when old.move_from is null then 'append' else 'fork' end, old.created_at
  );
end;

-- A move happened once: it is set once.
create trigger entries_move_once
before update of move_seq, move_from on entries
when old.move_seq is not null
begin
  select raise(abort, 'threadtree: an entry''s leaf move is history and does not change');
end;
