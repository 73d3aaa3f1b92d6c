-- 0001_initial: threads and the entries that form their trees.
--
-- A thread is a forest of entries: every entry has at most one parent in the same thread
-- (parent_entry_id NULL: a root, depth 0). threads.current_leaf_id names the live branch tip;
-- NULL means the live path is empty. The database itself holds these rules:
--   * a parent is older than its child (parent_entry_id < id), so no cycle can ever form and
--     every walk up the tree ends;
--   * a parent and a current leaf belong to the same thread (composite foreign keys onto the
--     unique pair entries(thread_id, id); a plain foreign key would accept another thread's id);
--   * entries go with their thread (on delete cascade).
-- The self reference has no ON DELETE action on purpose: a whole branch is deleted in one
-- statement and checked at its end, where a cascade would recurse once per level and hit
-- SQLite's trigger depth limit on deep chains.
-- Non-empty text is checked with <> '' rather than length(): SQLite's length() stops at the
-- first NUL, so it calls '\0' empty although the value is one character long.
-- AUTOINCREMENT: an entry id is never reused after a branch is deleted, so an id an agent kept
-- can never come to name a different message.

pragma application_id = 1953002610;  -- 0x74687472, 'thtr': marks the file as ours

create table threads (
  id text primary key not null check (typeof(id) = 'text' and id <> ''),
  title text check (title is null or typeof(title) = 'text'),
  metadata text not null default '{}',   -- a JSON object
  created_at real not null,              -- Unix seconds, UTC
  updated_at real not null,
  archived_at real,                      -- NULL: not archived
  current_leaf_id integer,
  foreign key (id, current_leaf_id) references entries (thread_id, id)
);

-- list_threads: most recently updated first, ties by id.
create index threads_recent on threads (updated_at, id);

create table entries (
  id integer primary key autoincrement,
  thread_id text not null references threads (id) on delete cascade,
  parent_entry_id integer,
  role text not null check (typeof(role) = 'text' and role <> ''),
  content text not null check (typeof(content) = 'text'),
  item text,                             -- JSON text, NULL when the entry has no item
  created_at real not null,
  depth integer not null check (depth >= 0),
  check (parent_entry_id is null or parent_entry_id < id),
  check ((parent_entry_id is null) = (depth = 0)),
  unique (thread_id, id),
  foreign key (thread_id, parent_entry_id) references entries (thread_id, id)
);

-- children, siblings, roots, the "is it a parent?" half of leaves, and the checks of the
-- composite foreign key when an entry is deleted.
create index entries_thread_parent on entries (thread_id, parent_entry_id);

-- The rules above also hold for connections that leave foreign keys off (the sqlite3 shell
-- does by default): triggers fire on every connection. Insert: the parent exists in the same
-- thread, one level up. Update: an entry never moves (fork or delete a branch instead).
-- Threads: the current leaf is an entry of the thread.
create trigger entries_parent_in_thread
before insert on entries
when new.parent_entry_id is not null and not exists (
  select 1 from entries
  where id = new.parent_entry_id and thread_id = new.thread_id and depth = new.depth - 1
)
begin
  select raise(abort, 'threadtree: the parent entry must exist in the same thread, one level up');
end;

create trigger entries_do_not_move
before update of id, thread_id, parent_entry_id, depth on entries
begin
  select raise(abort, 'threadtree: entries do not move; fork or delete a branch instead');
end;

create trigger threads_leaf_in_thread_on_insert
before insert on threads
when new.current_leaf_id is not null
begin
  select raise(abort, 'threadtree: a new thread has no entries to be its current leaf');
end;

create trigger threads_leaf_in_thread
before update of current_leaf_id on threads
when new.current_leaf_id is not null and not exists (
  select 1 from entries where id = new.current_leaf_id and thread_id = new.id
)
begin
  select raise(abort, 'threadtree: the current leaf must be an entry of the thread');
end;
