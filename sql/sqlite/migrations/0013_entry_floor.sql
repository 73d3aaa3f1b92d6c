-- 0013_entry_floor: entry ids never reused, without AUTOINCREMENT, so that an append or a fork
-- writes one page less (issue 20).
--
-- Why: AUTOINCREMENT keeps the highest id ever handed out in sqlite_sequence, a row SQLite
-- reads and rewrites at every insert: a page of its own in the WAL at every commit (counted:
-- 1.00 of an append's 7.2 pages, of a fork's 8.1, at synchronous=NORMAL) and about 10,000
-- instructions an append. Without it SQLite gives a new row the largest id there is plus one,
-- which reuses the ids of the newest entries once they are deleted (delete_branch).
--
-- entries_floor: one row, at or above every deleted id that could otherwise come back. It is
-- written only when an entry is deleted that has no newer entry above it (trigger
-- entries_floor_on_delete), so an append never writes it. An insert that gives no id takes
-- max(largest id, floor) + 1 (queries insert_entry and insert_moved_entry), and an insert that
-- would take an id at or below the floor is refused (trigger entries_above_floor): a tool that
-- inserts rows of its own after such a delete must give the id, next_entry_id's.
--
-- The floor starts at sqlite_sequence's record, so no id handed out before this migration
-- comes back either.
--
-- Dropping AUTOINCREMENT changes only the text of entries' CREATE TABLE: the rows and the
-- b-tree are the same with or without it (it only changes how an insert picks its id), so the
-- text is edited in place (SQLite's documented writable_schema procedure for changes that do
-- not touch the stored content, https://sqlite.org/lang_altertable.html#otheralter) instead of
-- copying the table: instant on any size of file. The migration runner lifts
-- SQLITE_DBCONFIG_DEFENSIVE for migrations only. 'reset' reloads this connection's schema;
-- the create table below moves the schema cookie, so every other connection reloads it too.

create table entries_floor (
  only integer primary key check (only = 1),
  id integer not null check (typeof(id) = 'integer' and id >= 0)
);

insert into entries_floor (only, id)
select 1, coalesce((select seq from sqlite_sequence where name = 'entries'), 0);

pragma writable_schema = on;

update sqlite_schema
set sql = replace(sql, 'id integer primary key autoincrement,', 'id integer primary key,')
where type = 'table' and name = 'entries';

pragma writable_schema = reset;

delete from sqlite_sequence where name = 'entries';

-- Gone, ids could come back.
create trigger entries_floor_kept
before delete on entries_floor
begin
  select raise(abort, 'threadtree: the floor of entry ids cannot be deleted');
end;

create trigger entries_floor_lowered
before update of id on entries_floor
when new.id < old.id
begin
  select raise(abort, 'threadtree: the floor of entry ids only rises');
end;

-- A deleted entry with no newer entry above it: its id is the largest there was, and would be
-- the next one given. One with a newer entry above it cannot come back while that one stays;
-- when that one goes too, it is the one recorded. So after any delete the floor is at or above
-- every deleted id that is not below a remaining one.
create trigger entries_floor_on_delete
after delete on entries
when old.id > (select id from entries_floor)
  and not exists (select 1 from entries where id > old.id)
begin
  update entries_floor set id = old.id;
end;

create trigger entries_above_floor
after insert on entries
when new.id <= (select id from entries_floor)
begin
  select raise(abort, 'threadtree: that entry id belonged to a deleted entry and is never given again: insert with an id above entries_floor.id and every entry id');
end;
