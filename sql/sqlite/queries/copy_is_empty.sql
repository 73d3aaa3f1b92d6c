-- copy_is_empty: whether the database holds nothing copy_database could collide with: no
-- thread (every other table but jobs goes with a thread) and no job. Bindings: none.
select not exists (select 1 from threads) and not exists (select 1 from jobs)
