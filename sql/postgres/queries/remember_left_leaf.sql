-- remember_left_leaf: keep :entry_id as the leaf the live path left its branch at, with the
-- seq of the leaf move that left it (see left_leaves in 0008_navigation.sql); a newer move
-- away from the same leaf takes its place. Bindings: :thread_id, :entry_id, :seq.
-- Nothing is kept for an id that names no entry of the thread (a damaged current leaf): the
-- move itself must still succeed. Two primary-key SEARCHes.
insert into left_leaves (thread_id, entry_id, seq)
select :thread_id, :entry_id, :seq
where exists (select 1 from entries where id = :entry_id and thread_id = :thread_id)
on conflict (thread_id, entry_id) do update set seq = excluded.seq
