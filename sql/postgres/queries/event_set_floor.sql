-- event_set_floor: remember the highest seq a thread has handed out, before compaction
-- deletes events (see event_last_seq). Bindings: :thread_id, :last_seq (at least 1).
insert into event_floors (thread_id, last_seq)
values (:thread_id, :last_seq)
on conflict (thread_id) do update set last_seq = excluded.last_seq
