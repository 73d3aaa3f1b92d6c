-- 0001_initial: the whole schema of threadtree on PostgreSQL, as SQLite's migrations 0001-0009
-- left it (PostgreSQL's migrations are numbered on their own; the version sits in the table
-- threadtree_schema, made by the engine before this runs).
--
-- Citus-ready: every table but jobs carries thread_id, and every primary key, unique key and
-- foreign key that can include it does, so that the tables can be distributed on thread_id and
-- co-located (see the README's PostgreSQL section). Two consequences, both deliberate:
--   * entry ids come from one sequence (entries_id_seq), so they stay unique and only grow
--     across the whole database, but the key that holds them is (thread_id, id);
--   * tool call ids and run ids are unique per thread in the keys (a global unique key cannot
--     be distributed); the store looks them up across threads and refuses a taken one.
-- The rules SQLite holds in triggers are kept by triggers here too (PL/pgSQL): the leaves
-- table, the parent one level up, entries that never move, the lifecycles, the marks of run
-- records when their branch is deleted. Each trigger touches only rows of its own thread.
-- Booleans are booleans (hidden, passed); times are Unix seconds in double precision.
-- Not here (yet): the full-text index of SQLite's 0008 and the entry_items view.

create sequence entries_id_seq as bigint;

create table threads (
  id text primary key check (id <> ''),
  title text,
  metadata text not null default '{}',
  created_at double precision not null,
  updated_at double precision not null,
  archived_at double precision,
  current_leaf_id bigint,
  source_format text check (source_format is null or source_format <> ''),
  source_id text check ((source_id is null) = (source_format is null) and (source_id is null or source_id <> '')),
  origin_thread_id text check (origin_thread_id is null or origin_thread_id <> ''),
  origin_entry_id bigint check ((origin_entry_id is null) = (origin_thread_id is null))
);

create index threads_recent on threads (updated_at, id);
create index threads_created on threads (created_at, id);
create index threads_title_lower on threads (lower(title));
create index threads_origin on threads (origin_thread_id, created_at) where origin_thread_id is not null;
-- (source_format, source_id) is unique per database in SQLite; a distributed table can only
-- hold unique keys with its distribution column, so here it is an index and the import looks.
create index threads_source on threads (source_format, source_id) where source_id is not null;

create table entries (
  id bigint not null default nextval('entries_id_seq'),
  thread_id text not null references threads (id) on delete cascade,
  parent_entry_id bigint,
  role text not null check (role <> ''),
  content text not null,
  item text,
  created_at double precision not null,
  depth integer not null check (depth >= 0),
  source_id text check (source_id is null or source_id <> ''),
  hidden boolean not null default false,
  content_path text check (content_path is null or (substr(content_path, 1, 1) = '$' and item is not null)),
  usage text,
  merged_from bigint,
  primary key (thread_id, id),
  check (parent_entry_id is null or parent_entry_id < id),
  check ((parent_entry_id is null) = (depth = 0)),
  foreign key (thread_id, parent_entry_id) references entries (thread_id, id)
);

alter sequence entries_id_seq owned by entries.id;

create index entries_id on entries (id);
create index entries_thread_parent on entries (thread_id, parent_entry_id);
create unique index entries_source on entries (thread_id, source_id) where source_id is not null;

alter table threads add foreign key (id, current_leaf_id) references entries (thread_id, id);

create table leaves (
  thread_id text not null,
  entry_id bigint not null,
  primary key (thread_id, entry_id)
);

create function threadtree_entries_before_insert() returns trigger language plpgsql as $$
begin
  if new.parent_entry_id is not null and not exists (
    select 1 from entries where thread_id = new.thread_id and id = new.parent_entry_id and depth = new.depth - 1
  ) then
    raise exception 'threadtree: the parent entry must exist in the same thread, one level up'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger entries_parent_in_thread before insert on entries
for each row execute function threadtree_entries_before_insert();

create function threadtree_entries_do_not_move() returns trigger language plpgsql as $$
begin
  if (new.id, new.thread_id, new.depth) is distinct from (old.id, old.thread_id, old.depth)
     or new.parent_entry_id is distinct from old.parent_entry_id then
    raise exception 'threadtree: entries do not move; fork or delete a branch instead'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger entries_do_not_move before update on entries
for each row execute function threadtree_entries_do_not_move();

-- A new entry is a leaf and its parent no longer is; when an entry goes, its parent becomes a
-- leaf again if it survives without children. Row triggers AFTER a statement see its end
-- state, so inside one DELETE of a whole branch only the surviving parent is re-added.
create function threadtree_entries_leaves_on_insert() returns trigger language plpgsql as $$
begin
  if new.parent_entry_id is not null then
    delete from leaves where thread_id = new.thread_id and entry_id = new.parent_entry_id;
  end if;
  insert into leaves (thread_id, entry_id) values (new.thread_id, new.id);
  return null;
end $$;

create trigger entries_leaves_on_insert after insert on entries
for each row execute function threadtree_entries_leaves_on_insert();

create function threadtree_entries_after_delete() returns trigger language plpgsql as $$
declare
  now_s double precision := extract(epoch from clock_timestamp());
begin
  delete from leaves where thread_id = old.thread_id and entry_id = old.id;
  if old.parent_entry_id is not null
     and not exists (select 1 from entries where thread_id = old.thread_id and parent_entry_id = old.parent_entry_id)
     and exists (select 1 from entries where thread_id = old.thread_id and id = old.parent_entry_id) then
    insert into leaves (thread_id, entry_id) values (old.thread_id, old.parent_entry_id) on conflict do nothing;
  end if;
  if exists (select 1 from workflow_runs where thread_id = old.thread_id) then
    update branch_runs set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update leaf_runs set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update run_decisions set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
    update run_candidates set entry_id = null, branch_deleted_at = now_s where thread_id = old.thread_id and entry_id = old.id;
  end if;
  return null;
end $$;

create trigger entries_after_delete after delete on entries
for each row execute function threadtree_entries_after_delete();

create table leaf_moves (
  thread_id text not null references threads (id) on delete cascade,
  seq bigint not null check (seq >= 1),
  from_entry_id bigint,
  to_entry_id bigint,
  reason text not null check (reason in (
    'append', 'extend', 'fork', 'rewind', 'pop', 'redo', 'switch', 'clear', 'delete_branch', 'import', 'restore',
    'checkout', 'decide'
  )),
  created_at double precision not null,
  primary key (thread_id, seq),
  check (from_entry_id is distinct from to_entry_id)
);

create table checkpoints (
  thread_id text not null references threads (id) on delete cascade,
  checkpoint_id text not null check (checkpoint_id <> ''),
  entry_id bigint,
  parent_checkpoint_id text check (parent_checkpoint_id is null or parent_checkpoint_id <> ''),
  state text not null,
  created_at double precision not null,
  save_seq bigint not null check (save_seq >= 1),
  primary key (thread_id, checkpoint_id),
  unique (thread_id, save_seq),
  check (parent_checkpoint_id is null or parent_checkpoint_id <> checkpoint_id),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
);

create index checkpoints_entry on checkpoints (thread_id, entry_id, save_seq);
create index checkpoints_parent on checkpoints (thread_id, parent_checkpoint_id);

create function threadtree_checkpoints_parent() returns trigger language plpgsql as $$
begin
  if new.parent_checkpoint_id is not null and not exists (
    select 1 from checkpoints where thread_id = new.thread_id and checkpoint_id = new.parent_checkpoint_id
  ) then
    raise exception 'threadtree: the parent checkpoint must exist in the same thread' using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger checkpoints_parent_in_thread before insert on checkpoints
for each row execute function threadtree_checkpoints_parent();

create function threadtree_checkpoints_reparent() returns trigger language plpgsql as $$
begin
  update checkpoints set parent_checkpoint_id = old.parent_checkpoint_id
  where thread_id = old.thread_id and parent_checkpoint_id = old.checkpoint_id;
  return null;
end $$;

create trigger checkpoints_reparent_on_delete after delete on checkpoints
for each row execute function threadtree_checkpoints_reparent();

create table events (
  thread_id text not null references threads (id) on delete cascade,
  seq bigint not null check (seq >= 1),
  type text not null check (type <> ''),
  data text,
  created_at double precision not null,
  primary key (thread_id, seq)
);

create table event_floors (
  thread_id text primary key references threads (id) on delete cascade,
  last_seq bigint not null check (last_seq >= 1)
);

create sequence tool_calls_id_seq as bigint;

create table tool_calls (
  id bigint not null default nextval('tool_calls_id_seq'),
  call_id text not null check (call_id <> ''),
  thread_id text not null references threads (id) on delete cascade,
  entry_id bigint,
  name text not null check (name <> ''),
  parameters text not null,
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'denied', 'executing', 'completed', 'failed')),
  result text,
  error text,
  created_at double precision not null,
  updated_at double precision not null,
  started_at double precision,
  completed_at double precision,
  primary key (thread_id, id),
  unique (thread_id, call_id),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete set null (entry_id),
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'denied')),
  check ((started_at is null) = (status in ('pending', 'approved', 'denied'))),
  check ((completed_at is null) = (status not in ('completed', 'failed')))
);

alter sequence tool_calls_id_seq owned by tool_calls.id;

create index tool_calls_thread on tool_calls (thread_id, status, id);
create index tool_calls_entry on tool_calls (thread_id, entry_id);
create index tool_calls_call on tool_calls (call_id);

create function threadtree_tool_calls_lifecycle() returns trigger language plpgsql as $$
begin
  if new.status <> old.status and not (
    (old.status = 'pending' and new.status in ('approved', 'denied'))
    or (old.status = 'approved' and new.status = 'executing')
    or (old.status = 'executing' and new.status in ('completed', 'failed'))
  ) then
    raise exception 'threadtree: a tool call moves pending -> approved | denied, approved -> executing -> completed | failed'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger tool_calls_lifecycle before update of status on tool_calls
for each row execute function threadtree_tool_calls_lifecycle();

create table jobs (
  id text primary key check (id <> ''),
  name text not null check (name <> ''),
  status text not null check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  progress double precision check (progress is null or progress between 0 and 100),
  detail text,
  created_at double precision not null,
  updated_at double precision not null
);

create index jobs_recent on jobs (updated_at, id);

create table thread_tools (
  thread_id text not null references threads (id) on delete cascade,
  position integer not null check (position >= 0),
  name text not null check (name <> ''),
  definition text not null,
  primary key (thread_id, position),
  unique (thread_id, name)
);

create table left_leaves (
  thread_id text not null references threads (id) on delete cascade,
  entry_id bigint not null,
  seq bigint not null check (seq >= 1),
  primary key (thread_id, entry_id),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
);

create table labels (
  thread_id text not null references threads (id) on delete cascade,
  name text not null check (name <> ''),
  entry_id bigint not null,
  created_at double precision not null,
  primary key (thread_id, name),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
);

create index labels_entry on labels (thread_id, entry_id);

create table workflow_runs (
  run_id text not null check (run_id <> ''),
  thread_id text not null references threads (id) on delete cascade,
  workflow_id text not null check (workflow_id <> ''),
  goal text not null,
  status text not null check (status in ('running', 'paused', 'completed', 'failed', 'cancelled')),
  input_hash text check (input_hash is null or input_hash <> ''),
  metadata text not null,
  result text,
  error text,
  started_at double precision not null,
  updated_at double precision not null,
  completed_at double precision,
  primary key (thread_id, run_id),
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'cancelled')),
  check ((completed_at is null) = (status in ('running', 'paused')))
);

create index workflow_runs_run on workflow_runs (run_id);
create index workflow_runs_thread on workflow_runs (thread_id, started_at, run_id);
create index workflow_runs_workflow on workflow_runs (workflow_id, started_at, run_id);
create index workflow_runs_status on workflow_runs (status, started_at, run_id);
create index workflow_runs_started on workflow_runs (started_at, run_id);

create function threadtree_workflow_runs_lifecycle() returns trigger language plpgsql as $$
begin
  if new.status <> old.status and not (
    (old.status = 'running' and new.status in ('paused', 'completed', 'failed', 'cancelled'))
    or (old.status = 'paused' and new.status in ('running', 'completed', 'failed', 'cancelled'))
    or (old.status = 'failed' and new.status = 'running')
  ) then
    raise exception 'threadtree: a run moves running <-> paused, running | paused -> completed | failed | cancelled, failed -> running'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger workflow_runs_lifecycle before update of status on workflow_runs
for each row execute function threadtree_workflow_runs_lifecycle();

create sequence run_records_id_seq as bigint;

create table branch_runs (
  id bigint not null default nextval('run_records_id_seq'),
  thread_id text not null,
  run_id text not null,
  entry_id bigint,
  status text not null check (status in ('running', 'completed', 'failed', 'cancelled')),
  result text,
  error text,
  started_at double precision not null,
  updated_at double precision not null,
  completed_at double precision,
  branch_deleted_at double precision,
  primary key (thread_id, id),
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  unique (thread_id, run_id, entry_id),
  check ((entry_id is null) = (branch_deleted_at is not null)),
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'cancelled')),
  check ((completed_at is null) = (status = 'running'))
);

create index branch_runs_entry on branch_runs (thread_id, entry_id);

create function threadtree_branch_runs_lifecycle() returns trigger language plpgsql as $$
begin
  if new.status <> old.status and not (old.status = 'running' and new.status in ('completed', 'failed', 'cancelled')) then
    raise exception 'threadtree: a branch run moves running -> completed | failed | cancelled'
      using errcode = 'check_violation';
  end if;
  return new;
end $$;

create trigger branch_runs_lifecycle before update of status on branch_runs
for each row execute function threadtree_branch_runs_lifecycle();

create table leaf_runs (
  id bigint not null default nextval('run_records_id_seq'),
  thread_id text not null,
  run_id text not null,
  leaf_id text not null check (leaf_id <> ''),
  input_hash text check (input_hash is null or input_hash <> ''),
  entry_id bigint,
  status text not null check (status in ('completed', 'failed')),
  output text,
  artifacts text,
  error text,
  created_at double precision not null,
  branch_deleted_at double precision,
  primary key (thread_id, id),
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  check (branch_deleted_at is null or entry_id is null),
  check (error is null or status = 'failed')
);

create index leaf_runs_run on leaf_runs (thread_id, run_id, id);
create unique index leaf_runs_finished on leaf_runs (thread_id, run_id, leaf_id, input_hash) where status = 'completed';
create index leaf_runs_entry on leaf_runs (thread_id, entry_id);

create table run_decisions (
  id bigint not null default nextval('run_records_id_seq'),
  thread_id text not null,
  run_id text not null,
  entry_id bigint,
  decided_at double precision not null,
  branch_deleted_at double precision,
  primary key (thread_id, id),
  foreign key (thread_id, run_id) references workflow_runs (thread_id, run_id) on delete cascade,
  unique (thread_id, run_id, entry_id),
  check ((entry_id is null) = (branch_deleted_at is not null))
);

create index run_decisions_entry on run_decisions (thread_id, entry_id);

create table run_candidates (
  decision_id bigint not null,
  position integer not null check (position >= 0),
  thread_id text not null,
  entry_id bigint,
  score double precision not null,
  passed boolean,
  rationale text,
  selected integer check (selected is null or selected >= 0),
  branch_deleted_at double precision,
  primary key (thread_id, decision_id, position),
  unique (thread_id, decision_id, selected),
  foreign key (thread_id, decision_id) references run_decisions (thread_id, id) on delete cascade,
  check ((entry_id is null) = (branch_deleted_at is not null))
);

create index run_candidates_entry on run_candidates (thread_id, entry_id);
