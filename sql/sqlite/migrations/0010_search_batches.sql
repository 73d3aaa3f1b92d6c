-- 0010_search_batches: the search index takes new entries in batches, so that keeping it costs
-- an append next to nothing.
--
-- Why: FTS5 writes a new segment of its index (leaf page, segment record, structure record,
-- totals) at the end of every transaction that changed it, however small. Measured at
-- synchronous=NORMAL on 1,000 appends of realistic text, an append with the index kept
-- entry by entry cost 1.8-1.9x one without it; the same text indexed 64 or 256 entries a
-- transaction costs 16-19 us an entry. PostgreSQL's GIN index does the same for the same
-- reason (its "pending list", fastupdate).
--
-- entries_search_pending: the ids of the entries written since the index last took a batch,
-- at most 255 (and their rewrites: a re-import that changes a text puts its entry back here).
-- An insert into entries adds its id here in the same transaction; the 256th id makes the
-- trigger entries_search_batch index them all, in that transaction too, and empty the table.
-- Store.search() matches these entries from a temporary index it builds of them for each
-- search (a millisecond or two), so a search finds every entry committed before it began,
-- exactly as before: only where their text lives until the batch is full differs.
--
-- entries_search_rows: what the index is an index of: every entry not pending. It is the
-- index's external content now (it was entries itself), so FTS5's own commands keep holding:
-- 'integrity-check' compares the index with these rows, 'rebuild' indexes exactly them. The
-- text is still stored once: the view reads it from entries. A new index is made of the
-- existing entries in this migration's transaction (as 0008 did: about 20 s for a million
-- entries of chat text), because an FTS5 table's content option cannot be changed in place.
--
-- The triggers keep the three in step inside every write, whichever code runs it (as in
-- 0008): an insert adds a pending id; a delete takes the entry out of the index if it was
-- indexed, out of the pending ids if not; a rewrite of content does both, then adds the id.

drop trigger entries_search_insert;
drop trigger entries_search_delete;
drop trigger entries_search_update;
drop table entries_search;

create table entries_search_pending (
  id integer primary key
);

create view entries_search_rows (id, content) as
  select e.id, e.content
  from entries as e
  where not exists (select 1 from entries_search_pending as p where p.id = e.id);

create virtual table entries_search using fts5 (
  content,
  content = 'entries_search_rows',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);

insert into entries_search (entries_search) values ('rebuild');

-- FTS5 merges its segments as they pile up: with 'automerge' 4 (its default) a level of 4
-- segments is merged into one of the next level, so each token is rewritten about log4(N)
-- times over the index's life. 16 rewrites it about half as often, for a search that reads up
-- to 15 segments a level instead of 3 (measured: the batch's cost to an append at NORMAL went
-- from 1.23-1.55x to 1.19-1.21x in CPU time; searches stayed within their noise).
insert into entries_search (entries_search, rank) values ('automerge', 16);

create trigger entries_search_insert
after insert on entries
begin
  insert into entries_search_pending (id) values (new.id);
end;

-- Fired by the insert above (a trigger's statements fire triggers). Its WHEN is read once, so
-- the batch is whole: every pending entry is indexed, then the table emptied.
create trigger entries_search_batch
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
    where not exists (select 1 from entries_search_pending where id = old.id);
  delete from entries_search_pending where id = old.id;
end;

-- A re-import that takes a source's newer text; no other update changes content.
create trigger entries_search_update
after update of content on entries
begin
  insert into entries_search (entries_search, rowid, content)
    select 'delete', old.id, old.content
    where not exists (select 1 from entries_search_pending where id = old.id);
  insert or ignore into entries_search_pending (id) values (new.id);
end;
