-- visible_leaves: the branch tips of :thread_id once its hidden entries are left out: the
-- visible entries with no visible descendant, oldest first. Bindings: :thread_id.
--
-- A hidden entry in the middle of a branch changes no tip; only hidden tips do. So: every
-- visible tip of the leaves table is one; from each hidden tip, walk up through hidden
-- entries to the first visible one (`up`); that one is a tip unless a visible entry hangs
-- below it behind hidden ones (`below` walks down from it through hidden children only).
-- Cost: the leaves range, the hidden runs above hidden tips, the children of the entries
-- reached and the hidden entries under them; every step a primary key or
-- entries_parent SEARCH, never the whole thread. Every lookup names the thread with the id,
-- so that it is one by the primary key even before the tables have statistics; and every
-- lookup is a LATERAL subquery kept apart by OFFSET 0, so that statistics taken before the
-- thread grew cannot turn it into a scan of the thread per row (see leaves.sql).
with recursive
  up (id, parent_entry_id, hidden) as (
    select e.id, e.parent_entry_id, e.hidden
    from leaves as l
    cross join lateral (
      select * from entries where entries.thread_id = :thread_id and entries.id = l.entry_id offset 0
    ) as e
    where l.thread_id = :thread_id and e.hidden
    union
    select p.id, p.parent_entry_id, p.hidden
    from up
    cross join lateral (
      select * from entries where entries.thread_id = :thread_id and entries.id = up.parent_entry_id offset 0
    ) as p
    where up.hidden
  ),
  below (top, id, hidden) as (
    select up.id, c.id, c.hidden
    from up
    cross join lateral (
      select * from entries where entries.parent_entry_id = up.id and entries.thread_id = :thread_id offset 0
    ) as c
    where not up.hidden
    union
    select below.top, c.id, c.hidden
    from below
    cross join lateral (
      select * from entries where entries.parent_entry_id = below.id and entries.thread_id = :thread_id offset 0
    ) as c
    where below.hidden
  ),
  tip (id) as (
    select l.entry_id
    from leaves as l
    cross join lateral (
      select * from entries where entries.thread_id = :thread_id and entries.id = l.entry_id offset 0
    ) as e
    where l.thread_id = :thread_id and not e.hidden
    union
    select id from up where not hidden
    except
    select top from below where not hidden
  )
select e.id, e.thread_id, e.parent_entry_id, e.role, e.content, e.item, e.created_at, e.depth, e.source_id, e.hidden, e.content_path, e.usage, e.merged_from
from tip
cross join lateral (
  select * from entries where entries.thread_id = :thread_id and entries.id = tip.id offset 0
) as e
order by e.id
