-- label_set: name an entry of a thread; a name the thread already uses moves to this entry.
-- Returns the label as label_list gives it. Bindings: :thread_id, :name, :entry_id, :now.
-- The composite foreign key refuses an entry of another thread.
insert into labels (thread_id, name, entry_id, created_at)
values (:thread_id, :name, :entry_id, :now)
on conflict (thread_id, name) do update set entry_id = excluded.entry_id, created_at = excluded.created_at
returning thread_id, name, entry_id, created_at
