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

-- children, siblings, roots, and the checks of the composite foreign key when an entry is
-- deleted.
create index entries_thread_parent on entries (thread_id, parent_entry_id);

-- Every branch tip (an entry without children), kept by the triggers below for every
-- connection. Derived state, on purpose: leaves and leaf counts then cost O(leaves), where
-- deriving them costs O(entries) (measured on 100,000 entries with 1,000 leaves: 5 ms here,
-- 35-46 ms for the anti-join of two index ranges), for about 10 % on an append.
create table leaves (
  thread_id text not null,
  entry_id integer not null,
  primary key (thread_id, entry_id)
) without rowid;

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

-- A new entry is a leaf and its parent no longer is. When an entry goes, its parent becomes a
-- leaf again if it survives and has no child left. (Inside one DELETE of a whole branch the
-- parents go first, so only the branch's surviving parent is ever re-added.)
create trigger entries_leaves_on_insert
after insert on entries
begin
  delete from leaves where thread_id = new.thread_id and entry_id = new.parent_entry_id;
  insert into leaves (thread_id, entry_id) values (new.thread_id, new.id);
end;

create trigger entries_leaves_on_delete
after delete on entries
begin
  delete from leaves where thread_id = old.thread_id and entry_id = old.id;
  insert or ignore into leaves (thread_id, entry_id)
  select old.thread_id, old.parent_entry_id
  where old.parent_entry_id is not null
    and not exists (
      select 1 from entries where thread_id = old.thread_id and parent_entry_id = old.parent_entry_id
    )
    and exists (select 1 from entries where id = old.parent_entry_id);
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
