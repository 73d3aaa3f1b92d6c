-- copy_start_ids: AUTOINCREMENT's record for entries, when copy_advance_ids found none (the
-- source had handed out ids but kept no entry). Bindings: :entries.
insert into sqlite_sequence (name, seq)
select 'entries', :entries
where not exists (select 1 from sqlite_sequence where name = 'entries')
