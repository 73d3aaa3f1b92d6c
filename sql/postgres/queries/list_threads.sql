-- list_threads: a page of threads with their entry and branch tip counts, sorted by
-- :order_by ('updated_at', 'created_at' or 'entry_count'), newest or largest first when
-- :descending (ties: id, in the same direction, so pages never overlap or skip).
-- Bindings: :include_archived (0/1); :search (text the title must contain, matched literally
-- and ignoring ASCII case, as LIKE does; NULL for all); :created_after, :created_before,
-- :updated_after, :updated_before (Unix seconds, strict bounds; NULL: no bound);
-- :order_by; :descending (0/1); :limit (-1: no limit); :offset.
-- strpos (SQLite: instr), not LIKE: a LIKE pattern stops at a NUL and is refused past 50,000 bytes, and instr
-- needs no escaping at all.
--
-- One arm of `page` per order and direction; the others are switched off by their constant
-- condition before they read a row. So a page by updated_at walks index threads_recent and a
-- page by created_at walks threads_created, either way from the right end, and stops after
-- :offset + :limit matches: a page costs the same with 100 or 100,000 threads (ORDER BY a
-- CASE expression would sort every thread instead). Only the entry_count order counts the
-- entries of every matching thread, then sorts. The counts of the rows returned are two index
-- range counts each (the primary key of entries, the leaves table), in this one statement: no
-- query per thread.
with
  matching (id, created_at, updated_at) as not materialized (
    select id, created_at, updated_at
    from threads
    where (:include_archived or archived_at is null)
      and (:search is null or strpos(lower(title), lower(:search)) > 0)
      and (:created_after is null or created_at > :created_after)
      and (:created_before is null or created_at < :created_before)
      and (:updated_after is null or updated_at > :updated_after)
      and (:updated_before is null or updated_at < :updated_before)
  ),
  counted (id, entry_count) as not materialized (
    select m.id, (select count(*) from entries as e where e.thread_id = m.id)
    from matching as m
  ),
  page (id, sort_key) as (
    select id, sort_key from (
      select id, updated_at as sort_key from matching
      where :order_by = 'updated_at' and :descending
      order by updated_at desc, id desc limit nullif(:limit, -1) offset :offset) as p
    union all
    select id, sort_key from (
      select id, updated_at as sort_key from matching
      where :order_by = 'updated_at' and not :descending
      order by updated_at, id limit nullif(:limit, -1) offset :offset) as p
    union all
    select id, sort_key from (
      select id, created_at as sort_key from matching
      where :order_by = 'created_at' and :descending
      order by created_at desc, id desc limit nullif(:limit, -1) offset :offset) as p
    union all
    select id, sort_key from (
      select id, created_at as sort_key from matching
      where :order_by = 'created_at' and not :descending
      order by created_at, id limit nullif(:limit, -1) offset :offset) as p
    union all
    select id, sort_key from (
      select id, entry_count as sort_key from counted
      where :order_by = 'entry_count' and :descending
      order by entry_count desc, id desc limit nullif(:limit, -1) offset :offset) as p
    union all
    select id, sort_key from (
      select id, entry_count as sort_key from counted
      where :order_by = 'entry_count' and not :descending
      order by entry_count, id limit nullif(:limit, -1) offset :offset) as p
  )
select t.id, t.title, t.metadata, t.created_at, t.updated_at, t.archived_at, t.current_leaf_id,
       t.source_format, t.source_id, t.origin_thread_id, t.origin_entry_id,
       (select count(*) from entries as e where e.thread_id = t.id),
       (select count(*) from leaves as l where l.thread_id = t.id)
from page
cross join threads as t  -- page first: one primary key SEARCH per row of the page
where t.id = page.id
order by
  case when :descending then page.sort_key end desc,
  case when :descending then t.id end desc,
  case when not :descending then page.sort_key end,
  case when not :descending then t.id end
