-- 0012_search_mark: the entries waiting for the search index's next batch are known by their
-- id, not by a row each, so that an append writes one page less (issue 20).
--
-- Why: since 0010 every insert into entries added its id to entries_search_pending, a page of
-- its own in the WAL at every commit (counted: 1.00 of an append's 8.9 pages at
-- synchronous=NORMAL), and ran a count(*) of that table to decide whether the batch was full.
-- Ids only grow (AUTOINCREMENT), so the entries the index has not taken yet are, but for
-- rewrites, simply the newest ones.
--
-- entries_search_mark: one row, the high-water mark. An entry whose id is above it waits for
-- the next batch; an entry at or below it is in the index, unless its id is in
-- entries_search_pending.
--
-- entries_search_pending: now only the entries at or below the mark that wait all the same: a
-- re-import that rewrote a text, or an entry inserted with an id below the mark (a tool writing
-- ids of its own). The 256th such id indexes them all (trigger entries_search_rewrites).
--
-- The batch: the insert of an entry whose id is more than 256 above the mark (256 entries wait
-- before it, fewer if some were deleted) indexes the entries between the mark and it, in that
-- transaction, and moves the mark to just below it: the new entry itself waits, so that no
-- other trigger on the same insert can see it both above and below the mark, whatever order
-- SQLite fires them in. A search matches the waiting entries from the temporary index it makes
-- of them (query search_tail_rows), as before.
--
-- entries_search_rows, the index's external content, is every entry at or below the mark and
-- not pending: exactly the rows the index held before this migration, since the mark starts at
-- the newest entry and the pending rows stay. So the index itself is kept as it is (no
-- rebuild), and FTS5's 'integrity-check' and 'rebuild' keep holding.

create table entries_search_mark (
  only integer primary key check (only = 1),
  id integer not null check (typeof(id) = 'integer' and id >= 0)
);

insert into entries_search_mark (only, id) select 1, coalesce(max(id), 0) from entries;

-- The mark is the index's own bookkeeping: gone, no batch would ever fire.
create trigger entries_search_mark_kept
before delete on entries_search_mark
begin
  select raise(abort, 'threadtree: the search index''s high-water mark cannot be deleted');
end;

drop trigger entries_search_insert;
drop trigger entries_search_batch;
drop trigger entries_search_delete;
drop trigger entries_search_update;
drop view entries_search_rows;

create view entries_search_rows (id, content) as
  select e.id, e.content
  from entries as e
  where e.id <= (select id from entries_search_mark)
    and not exists (select 1 from entries_search_pending as p where p.id = e.id);

create trigger entries_search_batch
after insert on entries
when new.id > (select id from entries_search_mark) + 256
begin
  insert into entries_search (rowid, content)
    select e.id, e.content
    from entries as e
    where e.id > (select id from entries_search_mark) and e.id < new.id;
  update entries_search_mark set id = new.id - 1;
end;

-- An id at or below the mark (never one threadtree hands out: ids only grow) waits as a
-- rewrite does.
create trigger entries_search_insert
after insert on entries
when new.id <= (select id from entries_search_mark)
begin
  insert or ignore into entries_search_pending (id) values (new.id);
end;

create trigger entries_search_rewrites
after insert on entries_search_pending
when (select count(*) from entries_search_pending) >= 256
begin
  insert into entries_search (rowid, content)
    select p.id, e.content
    from entries_search_pending as p
    cross join entries as e
    where e.id = p.id;
  delete from entries_search_pending;
end;

-- An external-content index must be told the old text of a row it drops, and only of a row
-- it holds: a 'delete' of a row it never took would take tokens out of others' counts.
create trigger entries_search_delete
after delete on entries
begin
  insert into entries_search (entries_search, rowid, content)
    select 'delete', old.id, old.content
    where old.id <= (select id from entries_search_mark)
      and not exists (select 1 from entries_search_pending where id = old.id);
  delete from entries_search_pending where id = old.id;
end;

-- A re-import that takes a source's newer text; no other update changes content. An entry
-- above the mark is not in the index yet: its batch will read the new text.
create trigger entries_search_update
after update of content on entries
when old.id <= (select id from entries_search_mark)
begin
  insert into entries_search (entries_search, rowid, content)
    select 'delete', old.id, old.content
    where not exists (select 1 from entries_search_pending where id = old.id);
  insert or ignore into entries_search_pending (id) values (new.id);
end;
