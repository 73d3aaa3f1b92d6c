-- 0009_workflow_runs: an agent's explorations recorded on the tree (issue 21): workflow runs,
-- the branches each run tried, the tasks it ran (leaf runs, replayable by input hash), and its
-- decisions: the candidates (child branches of a decision entry) with their scores, and the
-- ones selected. Written so that it depends on nothing of migration 0008.
--
-- workflow_runs: one run of a workflow on a thread. run_id is unique in the file (get_run is
-- given only the run id); (thread_id, run_id) is unique too, so that every record of a run can
-- name its thread in a composite foreign key and can never sit in another thread than its run.
-- The status lifecycle is
--   running -> paused | completed | failed | cancelled;  paused -> running | completed | failed
--   | cancelled;  failed -> running (a re-run, which replays the finished leaf runs)
-- and the CHECKs tie the other columns to it: a result only once completed, an error only once
-- failed or cancelled, completed_at exactly when finished.
--
-- branch_runs, leaf_runs, run_decisions, run_candidates: the records of a run, each pinned to
-- an entry of the run's thread: a branch run to the entry its branch starts at, a leaf run to
-- the entry it produced (optional), a decision to the entry the candidates fork from, a
-- candidate to its child entry. They go with their run, and the run with its thread (on delete
-- cascade). When the branch holding an entry is deleted, the records pinned to it stay, marked:
-- entry_id becomes NULL and branch_deleted_at the time of the delete (trigger
-- entries_mark_run_records below). That is a trigger and not a foreign key with ON DELETE SET
-- NULL on purpose: a foreign key costs delete_branch four child-index probes for every deleted
-- entry, in every thread; the trigger's WHEN costs one probe of workflow_runs, and the four
-- only in threads that have runs. The entry of a record is an entry of its thread (triggers on
-- insert), and records never move to another run, thread or entry (triggers on update); the
-- only change of entry_id is the mark.
--
-- Order: runs are listed newest first by started_at (run_id breaks ties), so a restored dump
-- lists them as the original did; the records of a run are in the order they were recorded
-- (their rowid: a restore inserts them in that order).

create table workflow_runs (
  run_id text primary key not null check (typeof(run_id) = 'text' and run_id <> ''),
  thread_id text not null references threads (id) on delete cascade,
  workflow_id text not null check (typeof(workflow_id) = 'text' and workflow_id <> ''),
  goal text not null check (typeof(goal) = 'text'),
  status text not null check (status in ('running', 'paused', 'completed', 'failed', 'cancelled')),
  input_hash text check (input_hash is null or (typeof(input_hash) = 'text' and input_hash <> '')),
  metadata text not null check (typeof(metadata) = 'text'),   -- a JSON object
  result text check (result is null or typeof(result) = 'text'),  -- JSON
  error text check (error is null or typeof(error) = 'text'),
  started_at real not null,                                  -- Unix seconds, UTC
  updated_at real not null,
  completed_at real,
  unique (thread_id, run_id),
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'cancelled')),
  check ((completed_at is null) = (status in ('running', 'paused')))
);

-- runs(thread_id=...), runs(workflow_id=...), runs(status=...) and runs(): each one index
-- walked backwards, newest first. The first also serves the trigger's "has this thread runs?".
create index workflow_runs_thread on workflow_runs (thread_id, started_at, run_id);
create index workflow_runs_workflow on workflow_runs (workflow_id, started_at, run_id);
create index workflow_runs_status on workflow_runs (status, started_at, run_id);
create index workflow_runs_started on workflow_runs (started_at, run_id);

create trigger workflow_runs_lifecycle
before update of status on workflow_runs
when new.status <> old.status and not (
  (old.status = 'running' and new.status in ('paused', 'completed', 'failed', 'cancelled'))
  or (old.status = 'paused' and new.status in ('running', 'completed', 'failed', 'cancelled'))
  or (old.status = 'failed' and new.status = 'running')
)
begin
  select raise(abort, 'threadtree: a run moves running <-> paused, running | paused -> completed | failed | cancelled, failed -> running');
end;

create trigger workflow_runs_do_not_move
before update of run_id, thread_id on workflow_runs
begin
  select raise(abort, 'threadtree: a run stays in its thread under its id');
end;

create table branch_runs (
  id integer primary key,
  thread_id text not null,
  run_id text not null,
  entry_id integer,                   -- the entry the branch starts at; NULL: its branch was deleted
  status text not null check (status in ('running', 'completed', 'failed', 'cancelled')),
  result text check (result is null or typeof(result) = 'text'),  -- JSON
  error text check (error is null or typeof(error) = 'text'),
  started_at real not null,
  updated_at real not null,
  completed_at real,
  branch_deleted_at real,
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  unique (thread_id, run_id, entry_id),
  check ((entry_id is null) = (branch_deleted_at is not null)),
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'cancelled')),
  check ((completed_at is null) = (status = 'running'))
);

create index branch_runs_entry on branch_runs (thread_id, entry_id);

create trigger branch_runs_lifecycle
before update of status on branch_runs
when new.status <> old.status and not (old.status = 'running' and new.status in ('completed', 'failed', 'cancelled'))
begin
  select raise(abort, 'threadtree: a branch run moves running -> completed | failed | cancelled');
end;

create table leaf_runs (
  id integer primary key,
  thread_id text not null,
  run_id text not null,
  leaf_id text not null check (typeof(leaf_id) = 'text' and leaf_id <> ''),  -- the workflow's task
  input_hash text check (input_hash is null or (typeof(input_hash) = 'text' and input_hash <> '')),
  entry_id integer,                   -- the entry it produced, NULL: none (or its branch was deleted)
  status text not null check (status in ('completed', 'failed')),
  output text check (output is null or typeof(output) = 'text'),        -- JSON
  artifacts text check (artifacts is null or typeof(artifacts) = 'text'),  -- JSON
  error text check (error is null or typeof(error) = 'text'),
  created_at real not null,
  branch_deleted_at real,
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  check (branch_deleted_at is null or entry_id is null),
  check (error is null or status = 'failed')
);

-- A run's leaf runs in order, and the cascade from workflow_runs.
create index leaf_runs_run on leaf_runs (thread_id, run_id, id);

-- The replay lookup (run, leaf, input hash), one SEARCH; and one finished run a key: a second
-- one with the same key is a retry (the store returns the first) or a conflict.
create unique index leaf_runs_finished on leaf_runs (thread_id, run_id, leaf_id, input_hash)
where status = 'completed';

create index leaf_runs_entry on leaf_runs (thread_id, entry_id);

create table run_decisions (
  id integer primary key,
  thread_id text not null,
  run_id text not null,
  entry_id integer,                   -- the decision point; NULL: its branch was deleted
  decided_at real not null,
  branch_deleted_at real,
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  unique (thread_id, run_id, entry_id),
  check ((entry_id is null) = (branch_deleted_at is not null))
);

create index run_decisions_entry on run_decisions (thread_id, entry_id);

create table run_candidates (
  decision_id integer not null references run_decisions (id) on delete cascade,
  position integer not null check (position >= 0),   -- 0, 1, 2... in the order given
  thread_id text not null,
  entry_id integer,                   -- a child of the decision point; NULL: its branch was deleted
  score real not null,
  passed integer check (passed is null or passed in (0, 1)),  -- NULL: no pass/fail verdict
  rationale text check (rationale is null or typeof(rationale) = 'text'),
  selected integer check (selected is null or selected >= 0),  -- its place in select, NULL: not selected
  branch_deleted_at real,
  primary key (decision_id, position),
  unique (decision_id, selected),
  check ((entry_id is null) = (branch_deleted_at is not null))
) without rowid;

-- The trigger's mark, and the marks of `tree` (every candidate of a thread).
create index run_candidates_entry on run_candidates (thread_id, entry_id);

-- An entry of a record is an entry of its thread (for every connection, foreign keys on or off).
create trigger branch_runs_entry_in_thread
before insert on branch_runs
when new.entry_id is not null and not exists (select 1 from entries where id = new.entry_id and thread_id = new.thread_id)
begin
  select raise(abort, 'threadtree: a run record''s entry must be an entry of its thread');
end;

create trigger leaf_runs_entry_in_thread
before insert on leaf_runs
when new.entry_id is not null and not exists (select 1 from entries where id = new.entry_id and thread_id = new.thread_id)
begin
  select raise(abort, 'threadtree: a run record''s entry must be an entry of its thread');
end;

create trigger run_decisions_entry_in_thread
before insert on run_decisions
when new.entry_id is not null and not exists (select 1 from entries where id = new.entry_id and thread_id = new.thread_id)
begin
  select raise(abort, 'threadtree: a run record''s entry must be an entry of its thread');
end;

create trigger run_candidates_entry_in_thread
before insert on run_candidates
when new.entry_id is not null and not exists (select 1 from entries where id = new.entry_id and thread_id = new.thread_id)
begin
  select raise(abort, 'threadtree: a run record''s entry must be an entry of its thread');
end;

-- Records never move; the one change of entry_id allowed is the mark of a deleted branch.
create trigger branch_runs_do_not_move
before update of thread_id, run_id, entry_id on branch_runs
when not (new.thread_id = old.thread_id and new.run_id = old.run_id
          and (new.entry_id is old.entry_id or (new.entry_id is null and new.branch_deleted_at is not null)))
begin
  select raise(abort, 'threadtree: run records do not move');
end;

create trigger leaf_runs_do_not_move
before update of thread_id, run_id, entry_id on leaf_runs
when not (new.thread_id = old.thread_id and new.run_id = old.run_id
          and (new.entry_id is old.entry_id or (new.entry_id is null and new.branch_deleted_at is not null)))
begin
  select raise(abort, 'threadtree: run records do not move');
end;

create trigger run_decisions_do_not_move
before update of thread_id, run_id, entry_id on run_decisions
when not (new.thread_id = old.thread_id and new.run_id = old.run_id
          and (new.entry_id is old.entry_id or (new.entry_id is null and new.branch_deleted_at is not null)))
begin
  select raise(abort, 'threadtree: run records do not move');
end;

create trigger run_candidates_do_not_move
before update of decision_id, thread_id, entry_id on run_candidates
when not (new.decision_id = old.decision_id and new.thread_id = old.thread_id
          and (new.entry_id is old.entry_id or (new.entry_id is null and new.branch_deleted_at is not null)))
begin
  select raise(abort, 'threadtree: run records do not move');
end;

-- A candidate is in the thread of its decision.
create trigger run_candidates_in_decision_thread
before insert on run_candidates
when not exists (select 1 from run_decisions where id = new.decision_id and thread_id = new.thread_id)
begin
  select raise(abort, 'threadtree: a candidate belongs to a decision of its thread');
end;

-- The mark: fires for each entry a delete_branch (or any DELETE) removes. 'now' is the same for
-- every row of one statement, so a branch's records share one time. In a thread without runs
-- it costs one probe of workflow_runs_thread; when a thread is deleted its runs go by cascade.
create trigger entries_mark_run_records
after delete on entries
when exists (select 1 from workflow_runs where thread_id = old.thread_id)
begin
  update branch_runs set entry_id = null, branch_deleted_at = (julianday('now') - 2440587.5) * 86400.0
  where thread_id = old.thread_id and entry_id = old.id;
  update leaf_runs set entry_id = null, branch_deleted_at = (julianday('now') - 2440587.5) * 86400.0
  where thread_id = old.thread_id and entry_id = old.id;
  update run_decisions set entry_id = null, branch_deleted_at = (julianday('now') - 2440587.5) * 86400.0
  where thread_id = old.thread_id and entry_id = old.id;
  update run_candidates set entry_id = null, branch_deleted_at = (julianday('now') - 2440587.5) * 86400.0
  where thread_id = old.thread_id and entry_id = old.id;
end;

-- 'decide' joins the reasons a leaf move is recorded with: a decision that selects a winner
-- moves the live leaf to it, in the same transaction. SQLite cannot change a CHECK in place,
-- so leaf_moves is rebuilt (same columns, key and rows), as in 0007. Nothing refers to it.
create table leaf_moves_0009 (
  thread_id text not null references threads (id) on delete cascade,
  seq integer not null check (seq >= 1),
  from_entry_id integer,
  to_entry_id integer,
  reason text not null check (reason in (
    'append', 'extend', 'fork', 'rewind', 'pop', 'redo', 'switch', 'clear', 'delete_branch', 'import', 'restore',
    'checkout', 'decide'
  )),
  created_at real not null,
  primary key (thread_id, seq),
  check (from_entry_id is not to_entry_id)
) without rowid;

insert into leaf_moves_0009 (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from leaf_moves;

drop table leaf_moves;

alter table leaf_moves_0009 rename to leaf_moves;
