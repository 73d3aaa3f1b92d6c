-- 0007_run_records_in_their_thread: the records of a workflow run (branch runs, leaf runs,
-- decisions, candidates) name an entry of their own thread, and never move to another thread,
-- run, decision or entry; the one change of entry_id allowed is the mark a deleted branch
-- leaves (entry_id NULL, branch_deleted_at set, by threadtree_entries_after_delete). SQLite's
-- triggers *_entry_in_thread and *_do_not_move hold the same (its migration 0009); 0001 here
-- left them to the store, so raw SQL could break them.
--
-- Why triggers and not a foreign key (thread_id, entry_id) -> entries: a deleted entry must
-- leave its records marked, not gone and not blocking, and the mark is the after-delete
-- trigger's (as on SQLite, where the same choice keeps delete_branch cheap). The insert check
-- takes the entry's row FOR KEY SHARE, as a foreign key's check does, so that a concurrent
-- delete of that entry waits for this transaction and then marks the record it wrote.
-- A candidate's decision is in its thread already: its foreign key is (thread_id, decision_id).
-- Citus: each lookup filters on thread_id, so it stays on the thread's shard.

create function threadtree_run_record_entry_in_thread() returns trigger language plpgsql as $$
begin
  if new.entry_id is not null then
    perform 1 from entries where thread_id = new.thread_id and id = new.entry_id for key share;
    if not found then
      raise exception 'threadtree: a run record''s entry must be an entry of its thread'
        using errcode = 'foreign_key_violation';
    end if;
  end if;
  return new;
end $$;

create function threadtree_run_records_do_not_move() returns trigger language plpgsql as $$
declare
  moved boolean := new.thread_id <> old.thread_id
    or not (new.entry_id is not distinct from old.entry_id
            or (new.entry_id is null and new.branch_deleted_at is not null));
begin
  -- A candidate hangs from its decision, the other records from their run; each IF reads the
  -- column its table has (PL/pgSQL prepares an expression only when it runs).
  if tg_table_name = 'run_candidates' then
    moved := moved or new.decision_id <> old.decision_id;
  else
    moved := moved or new.run_id <> old.run_id;
  end if;
  if moved then
    raise exception 'threadtree: run records do not move' using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger branch_runs_entry_in_thread before insert on branch_runs
for each row execute function threadtree_run_record_entry_in_thread();
create trigger leaf_runs_entry_in_thread before insert on leaf_runs
for each row execute function threadtree_run_record_entry_in_thread();
create trigger run_decisions_entry_in_thread before insert on run_decisions
for each row execute function threadtree_run_record_entry_in_thread();
create trigger run_candidates_entry_in_thread before insert on run_candidates
for each row execute function threadtree_run_record_entry_in_thread();

create trigger branch_runs_do_not_move before update of thread_id, run_id, entry_id on branch_runs
for each row execute function threadtree_run_records_do_not_move();
create trigger leaf_runs_do_not_move before update of thread_id, run_id, entry_id on leaf_runs
for each row execute function threadtree_run_records_do_not_move();
create trigger run_decisions_do_not_move before update of thread_id, run_id, entry_id on run_decisions
for each row execute function threadtree_run_records_do_not_move();
create trigger run_candidates_do_not_move before update of thread_id, decision_id, entry_id on run_candidates
for each row execute function threadtree_run_records_do_not_move();
