-- 0008_navigation: finding one's way in big trees: full-text search over every entry, labels,
-- the leaf each branch was left at, copies that remember where they came from, and merges.
--
-- entries_search: an FTS5 index of entries.content, the text of every entry of every branch
-- (hidden ones too: search leaves them out unless asked). External content: the index holds
-- tokens only and reads the text from entries itself when it makes a snippet, so the text is
-- still stored once. The triggers below keep it in step inside the transaction of every write
-- that adds, deletes or rewrites an entry, whichever code runs it: appends, imports, restores,
-- copies, delete_branch, and the cascade from a deleted thread (SQLite fires delete triggers
-- for rows a foreign key cascade deletes). unicode61 with remove_diacritics 2: words are runs
-- of letters and digits, compared without case and accents ('Café' finds 'cafe'). An
-- external-content index must be told the old text of a row it drops; the triggers pass it. A
-- file changed behind the triggers' back (another tool with the triggers dropped) is what
-- check() looks for ('search-index'); search() only ever returns entries that exist.
--
-- left_leaves: where the live path was when it left a branch. Each row is a leaf the thread's
-- current leaf moved away from, to somewhere not below it (a fork elsewhere, a rewind, a
-- checkout, a switch), with the seq of that move in leaf_moves. Store.switch(entry) lands on
-- the newest such leaf below the entry, so every branch comes back to where it was left. Moves
-- down a branch (append, redo) write nothing here: the append path stays as it was. The rows
-- go with their entry (a deleted branch has nowhere to come back to) and with their thread.
--
-- labels: names for entries, unique within a thread (setting a name that is taken moves it).
-- They go with their entry and with their thread.
--
-- threads.origin_thread_id / origin_entry_id: a thread made by Store.copy_thread names the
-- thread and the entry it was copied from (history: no foreign key, so the copy keeps naming
-- them after they are deleted). Both set or both NULL. threads_origin lists a thread's copies.
--
-- entries.merged_from: an entry made by Store.merge names the entry (the tip of a branch, in
-- this thread or in a copy of it) whose result it summarizes. History too, as leaf_moves are:
-- no foreign key, so a summary keeps naming its branch after the branch is deleted, and a
-- whole-file restore can bring the two threads back in any order.

create virtual table entries_search using fts5 (
  content,
  content = 'entries',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);

-- Existing entries: the index is built from the table in this migration's transaction.
insert into entries_search (entries_search) values ('rebuild');

create trigger entries_search_insert
after insert on entries
begin
  insert into entries_search (rowid, content) values (new.id, new.content);
end;

create trigger entries_search_delete
after delete on entries
begin
  insert into entries_search (entries_search, rowid, content) values ('delete', old.id, old.content);
end;

-- A re-import that takes a source's newer text; no other update changes content.
create trigger entries_search_update
after update of content on entries
begin
  insert into entries_search (entries_search, rowid, content) values ('delete', old.id, old.content);
  insert into entries_search (rowid, content) values (new.id, new.content);
end;

create table left_leaves (
  thread_id text not null references threads (id) on delete cascade,
  entry_id integer not null,
  seq integer not null check (seq >= 1),
  primary key (thread_id, entry_id),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
) without rowid;

create table labels (
  thread_id text not null references threads (id) on delete cascade,
  name text not null check (typeof(name) = 'text' and name <> ''),
  entry_id integer not null,
  created_at real not null,
  primary key (thread_id, name),
  foreign key (thread_id, entry_id) references entries (thread_id, id) on delete cascade
) without rowid;

-- The cascade from entries (one lookup per deleted entry), and an entry's labels.
create index labels_entry on labels (thread_id, entry_id);

alter table threads add column origin_thread_id text
  check (origin_thread_id is null or (typeof(origin_thread_id) = 'text' and origin_thread_id <> ''));
alter table threads add column origin_entry_id integer
  check ((origin_entry_id is null) = (origin_thread_id is null)
         and (origin_entry_id is null or typeof(origin_entry_id) = 'integer'));

-- forks_of: a thread's copies, oldest first, without a scan of threads.
create index threads_origin on threads (origin_thread_id, created_at) where origin_thread_id is not null;

alter table entries add column merged_from integer
  check (merged_from is null or typeof(merged_from) = 'integer');
