-- 0006_jobs_tools: jobs, the tool definitions of each thread, and indexes for richer listings.
--
-- jobs: background work an agent host tracks beside its conversations (an indexing run, a
-- long tool). Not tied to a thread: a job may serve several threads or none. An upsert states
-- the whole job (name, status, progress, detail); created_at is kept from the first upsert,
-- updated_at is set by every one. status is free to move between its five values (a job may
-- be queued again): only the values are checked, not a lifecycle. progress is a percentage,
-- NULL when unknown. detail is a JSON value (NULL: none).
--
-- thread_tools: the ordered list of tool definitions a thread runs with, replaced whole by
-- Store.set_tools. definition is the JSON object exactly as given (Anthropic's name /
-- description / input_schema, or OpenAI's name / description / parameters, with any other
-- keys such as "strict"); name is copied out of it so that the database refuses two tools of
-- one name in a thread. The rows go with their thread.

create table jobs (
  id text primary key not null check (typeof(id) = 'text' and id <> ''),
  name text not null check (typeof(name) = 'text' and name <> ''),
  status text not null check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
  progress real check (progress is null or (typeof(progress) = 'real' and progress between 0 and 100)),
  detail text check (detail is null or typeof(detail) = 'text'),  -- JSON text
  created_at real not null,                                      -- Unix seconds, UTC
  updated_at real not null
);

-- list_jobs: most recently updated first, ties by id.
create index jobs_recent on jobs (updated_at, id);

create table thread_tools (
  thread_id text not null references threads (id) on delete cascade,
  position integer not null check (position >= 0),   -- 0, 1, 2... in the order given
  name text not null check (typeof(name) = 'text' and name <> ''),
  definition text not null check (typeof(definition) = 'text'),  -- a JSON object
  primary key (thread_id, position),
  unique (thread_id, name)
) without rowid;

-- list_threads(order_by="created_at"): walk an index as the updated_at order walks
-- threads_recent, instead of sorting every thread for one page.
create index threads_created on threads (created_at, id);

-- find_thread: titles equal ignoring ASCII case are one index SEARCH, not a scan of threads.
-- NOCASE is built into SQLite and folds ASCII letters only, as lower() does for list_threads'
-- search. An expression index on lower(title) would go wrong in a build whose lower() folds
-- more (the ICU extension replaces it); NOCASE is not replaced. NOCASE stops comparing at a
-- NUL, so find_thread also checks lower(title) = lower(:name) on the rows the index finds.
create index threads_title_nocase on threads (title collate nocase);
