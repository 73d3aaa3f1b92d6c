-- 0005_agent_state: what an agent keeps beside a thread's tree: checkpoints of its state, an
-- event log, and the lifecycle of its tool calls. Every row goes with its thread (on delete
-- cascade), so deleting a thread leaves nothing of it behind.
--
-- checkpoints: a named snapshot of agent state (any JSON value), unique per (thread,
-- checkpoint_id). entry_id pins it to an entry of the thread: a composite foreign key onto
-- entries(thread_id, id), as for parents in 0001, so the entry must be in the same thread, and
-- ON DELETE CASCADE, so deleting a branch takes the checkpoints pinned inside it (a state saved
-- at a message that no longer exists must not be resumed). A NULL entry_id is not checked: an
-- unpinned checkpoint. parent_checkpoint_id names another checkpoint of the thread (checked by
-- the triggers below, not a foreign key: a composite ON DELETE SET NULL would null thread_id
-- too); when a checkpoint is deleted its children are re-attached to its own parent, so the
-- checkpoint tree keeps its shape. save_seq orders saves within a thread: the newest checkpoint
-- is the one saved last, whatever the clock did (created_at is refreshed on every save).
--
-- events: an append-only log per thread, seq 1, 2, 3... without gaps (a writer computes
-- max(seq) + 1 while it holds the write lock). Compaction deletes old events; event_floors then
-- keeps the highest seq the thread had issued, so a number is never handed out twice, even after
-- every event was deleted.
--
-- tool_calls: call_id is unique in the file (update_tool_call is given only the call_id).
-- id orders the calls by creation. entry_id (optional) is an entry of the same thread (trigger);
-- it is a plain foreign key with ON DELETE SET NULL: deleting the branch keeps the record of
-- the call (it happened) and forgets where it was pinned. The status lifecycle is
--   pending -> approved | denied;  approved -> executing -> completed | failed
-- and the CHECKs below tie the other columns to it: result only once completed, error only
-- once failed or denied, started_at from executing on, completed_at once completed or failed.

create table checkpoints (
  thread_id text not null references threads (id) on delete cascade,
  checkpoint_id text not null check (typeof(checkpoint_id) = 'text' and checkpoint_id <> ''),
  entry_id integer,
  parent_checkpoint_id text
    check (parent_checkpoint_id is null or (typeof(parent_checkpoint_id) = 'text' and parent_checkpoint_id <> '')),
  state text not null check (typeof(state) = 'text'),   -- JSON
  created_at real not null,                            -- Unix seconds, UTC, of the latest save
  save_seq integer not null check (save_seq >= 1),
  primary key (thread_id, checkpoint_id),
  unique (thread_id, save_seq),
  check (parent_checkpoint_id is null or parent_checkpoint_id <> checkpoint_id),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
);

-- The cascade from entries (one lookup per deleted entry: without it, deleting a branch would
-- scan every checkpoint per entry), and load_checkpoint: the newest checkpoint at an entry of
-- the live path, or the newest with entry_id NULL, are each one SEARCH of it.
create index checkpoints_entry on checkpoints (thread_id, entry_id, save_seq);

-- The children of a deleted checkpoint, found without a scan.
create index checkpoints_parent on checkpoints (thread_id, parent_checkpoint_id);

create trigger checkpoints_parent_in_thread
before insert on checkpoints
when new.parent_checkpoint_id is not null and not exists (
  select 1 from checkpoints where thread_id = new.thread_id and checkpoint_id = new.parent_checkpoint_id
)
begin
  select raise(abort, 'threadtree: the parent checkpoint must exist in the same thread');
end;

create trigger checkpoints_parent_in_thread_on_update
before update of thread_id, checkpoint_id, parent_checkpoint_id on checkpoints
when new.parent_checkpoint_id is not null and not exists (
  select 1 from checkpoints where thread_id = new.thread_id and checkpoint_id = new.parent_checkpoint_id
)
begin
  select raise(abort, 'threadtree: the parent checkpoint must exist in the same thread');
end;

-- Fires for rows deleted by the cascades too. Order-independent inside one multi-row delete:
-- each deleted checkpoint hands its children the parent it has at that moment.
create trigger checkpoints_reparent_on_delete
after delete on checkpoints
begin
  update checkpoints set parent_checkpoint_id = old.parent_checkpoint_id
  where thread_id = old.thread_id and parent_checkpoint_id = old.checkpoint_id;
end;

create table events (
  thread_id text not null references threads (id) on delete cascade,
  seq integer not null check (seq >= 1),
  type text not null check (typeof(type) = 'text' and type <> ''),
  data text check (data is null or typeof(data) = 'text'),   -- JSON, NULL: none
  created_at real not null,
  primary key (thread_id, seq)
);

create table event_floors (
  thread_id text primary key not null references threads (id) on delete cascade,
  last_seq integer not null check (last_seq >= 1)
);

create table tool_calls (
  id integer primary key,
  call_id text not null unique check (typeof(call_id) = 'text' and call_id <> ''),
  thread_id text not null references threads (id) on delete cascade,
  entry_id integer references entries (id) on delete set null,
  name text not null check (typeof(name) = 'text' and name <> ''),
  parameters text not null check (typeof(parameters) = 'text'),   -- JSON
  status text not null default 'pending'
    check (status in ('pending', 'approved', 'denied', 'executing', 'completed', 'failed')),
  result text check (result is null or typeof(result) = 'text'),  -- JSON
  error text check (error is null or typeof(error) = 'text'),
  created_at real not null,
  updated_at real not null,
  started_at real,
  completed_at real,
  check (result is null or status = 'completed'),
  check (error is null or status in ('failed', 'denied')),
  check ((started_at is null) = (status in ('pending', 'approved', 'denied'))),
  check ((completed_at is null) = (status not in ('completed', 'failed')))
);

-- pending_tool_calls and tool_calls(status=...): one range each, in creation order; also the
-- cascade from threads.
create index tool_calls_thread on tool_calls (thread_id, status, id);

-- The ON DELETE SET NULL from entries: one lookup per deleted entry.
create index tool_calls_entry on tool_calls (entry_id);

create trigger tool_calls_entry_in_thread
before insert on tool_calls
when new.entry_id is not null and not exists (
  select 1 from entries where id = new.entry_id and thread_id = new.thread_id
)
begin
  select raise(abort, 'threadtree: a tool call''s entry must be an entry of its thread');
end;

create trigger tool_calls_entry_in_thread_on_update
before update of thread_id, entry_id on tool_calls
when new.entry_id is not null and not exists (
  select 1 from entries where id = new.entry_id and thread_id = new.thread_id
)
begin
  select raise(abort, 'threadtree: a tool call''s entry must be an entry of its thread');
end;

create trigger tool_calls_lifecycle
before update of status on tool_calls
when new.status <> old.status and not (
  (old.status = 'pending' and new.status in ('approved', 'denied'))
  or (old.status = 'approved' and new.status = 'executing')
  or (old.status = 'executing' and new.status in ('completed', 'failed'))
)
begin
  select raise(abort, 'threadtree: a tool call moves pending -> approved | denied, approved -> executing -> completed | failed');
end;
