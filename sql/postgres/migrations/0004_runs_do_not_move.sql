-- 0004_runs_do_not_move: a workflow run stays in its thread under its id, as SQLite's trigger
-- workflow_runs_do_not_move holds it (its migration 0009; 0001 here left it out). Its branch,
-- leaf and decision records are keyed by (thread_id, run_id): a run that moved would leave
-- them behind.

create function threadtree_workflow_runs_do_not_move() returns trigger language plpgsql as $$
begin
  if new.run_id <> old.run_id or new.thread_id <> old.thread_id then
    raise exception 'threadtree: a run stays in its thread under its id' using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger workflow_runs_do_not_move before update of run_id, thread_id on workflow_runs
for each row execute function threadtree_workflow_runs_do_not_move();
