-- 0008_moves_on_entries: an append's or a fork's leaf move is kept on the entry it made, not in
-- a row of its own, as SQLite's migration 0011 does, and the leaves table follows an append by
-- one update, both so that an append or a fork writes less and runs fewer triggers.
--
-- Why: every append and fork (add_entry) wrote a leaf_moves row: a heap tuple, its primary key
-- entry and a foreign-key check of the thread, for a fact the new entry already holds (the
-- leaf moved to it, from its parent or from the leaf a fork left, at its created_at). Counted
-- with pg_waldump: 19 WAL records an append before, 17 after; a fork 22 before, 20 after.
--
-- entries.move_seq: the seq of the leaf move that made this entry the current leaf when it was
-- written, NULL when it made no move of its own. entries.move_from: NULL for an 'append' move,
-- whose from_entry_id is the entry's parent; the leaf it moved from for a 'fork' move. Only
-- add_entry writes them (it is the one statement that writes an entry and its move together);
-- every other move (rewinds, redo, checkouts, extends, imports, the plain path of an append or
-- fork, a copy) stays a row of leaf_moves. The leaf history is the two together (queries
-- leaf_history, last_leaf_move, copy_read_leaf_moves); seq still numbers a thread's moves from
-- 1 without gaps. A move kept on an entry makes that entry the current leaf, so the latest
-- move of a thread is the latest row or the current leaf's move_seq: no index is needed.
--
-- Unlike SQLite's 0011, the moves already in leaf_moves stay there: rows are history as good
-- as columns, and moving them would rewrite every appended entry (its tsvector and GIN entries
-- with it) in this migration's transaction. Adding two nullable columns rewrites nothing.
--
-- A move kept on an entry is history too: when the entry is deleted, its move goes into
-- leaf_moves (threadtree_entries_after_delete), as it would always have been there; not when
-- the thread goes (its history goes with it: the cascade deletes the thread first). And it
-- happened once: set once, never changed (threadtree_entries_do_not_move).

alter table entries add column move_seq bigint check (move_seq is null or move_seq >= 1);
alter table entries add column move_from bigint check (move_from is null or move_seq is not null);

create or replace function threadtree_entries_do_not_move() returns trigger language plpgsql as $$
begin
  if (new.id, new.thread_id, new.depth) is distinct from (old.id, old.thread_id, old.depth)
     or new.parent_entry_id is distinct from old.parent_entry_id then
    raise exception 'threadtree: entries do not move; fork or delete a branch instead'
      using errcode = 'check_violation';
  end if;
  if old.move_seq is not null and (new.move_seq, new.move_from) is distinct from (old.move_seq, old.move_from) then
    raise exception 'threadtree: an entry''s leaf move is history and does not change'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create or replace function threadtree_entries_after_delete() returns trigger language plpgsql as $$
declare
  now_s double precision := extract(epoch from clock_timestamp());
begin
  delete from leaves where thread_id = old.thread_id and entry_id = old.id;
  if old.parent_entry_id is not null
     and not exists (select 1 from entries where thread_id = old.thread_id and parent_entry_id = old.parent_entry_id)
     and exists (select 1 from entries where thread_id = old.thread_id and id = old.parent_entry_id) then
    insert into leaves (thread_id, entry_id) values (old.thread_id, old.parent_entry_id) on conflict do nothing;
  end if;
  if old.move_seq is not null and exists (select 1 from threads where id = old.thread_id) then
    insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
    values (
      old.thread_id, old.move_seq, coalesce(old.move_from, old.parent_entry_id), old.id,
      case when old.move_from is null then 'append' else 'fork' end, old.created_at
    );
  end if;
  if exists (select 1 from workflow_runs where thread_id = old.thread_id) then
    update branch_runs set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update leaf_runs set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update run_decisions set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update run_candidates set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
  end if;
  return null;
end $$;

-- The leaves and the parent check, in one trigger instead of two (a PL/pgSQL call less for
-- every entry), after the insert as the leaves were: a BEFORE trigger's writes would outlive a
-- row that an INSERT ... ON CONFLICT DO NOTHING then skips. An entry under a leaf takes its
-- parent's place in the leaves table by one UPDATE (a heap tuple and an index entry) instead
-- of a DELETE and an INSERT (one WAL record less an append); under an entry that is no leaf,
-- or as a root, it is inserted. The parent check refuses what it refused before; a parent
-- that does not exist at all now meets the foreign key (thread_id, parent_entry_id) first.
create or replace function threadtree_entries_leaves_on_insert() returns trigger language plpgsql as $$
begin
  if new.parent_entry_id is not null then
    perform from entries where thread_id = new.thread_id and id = new.parent_entry_id and depth = new.depth - 1;
    if not found then
      raise exception 'threadtree: the parent entry must exist in the same thread, one level up'
        using errcode = 'check_violation';
    end if;
    update leaves set entry_id = new.id where thread_id = new.thread_id and entry_id = new.parent_entry_id;
    if found then
      return null;
    end if;
  end if;
  insert into leaves (thread_id, entry_id) values (new.thread_id, new.id);
  return null;
end $$;

drop trigger entries_parent_in_thread on entries;
drop function threadtree_entries_before_insert();
