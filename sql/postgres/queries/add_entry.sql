-- add_entry: a whole append or fork of one message in one statement (PostgreSQL only): the
-- new entry, the thread's leaf moved to it, the move in the leaf history (on the entry itself
-- when it fits the rule of migration 0008, else a row of leaf_moves) and, when the entry does
-- not go under the current leaf, that leaf kept as the one its branch was left at; the
-- same rows as insert_entry, move_leaf, last_leaf_move, record_leaf_move and
-- remember_left_leaf one by one (threadtree._db.tree.add), in one round trip instead of six.
-- Returns (id, thread_id, parent_entry_id, depth) of the new entry, or no row and nothing
-- written when the plain path must decide: no such thread, a leaf that is not :expected_id
-- (when :check_leaf), a parent that is not an entry of the thread. Bindings: :thread_id (NULL
-- for a fork: the thread of :parent_id), :at_leaf (true: under the current leaf; false: under
-- :parent_id, NULL for a new root), :parent_id, :check_leaf, :expected_id, :role, :content,
-- :item, :now, :hidden, :content_path, :usage, :merged_from, :reason.
-- The thread's row is locked by the statement before this one (PostgresTx; for a fork it finds
-- the thread through :parent_id, as this one does), so that this statement's snapshot, taken
-- after the lock, sees every write of the writers before: a FOR UPDATE inside it would wait on
-- the row but read the leaf history as it was before. An entry never changes thread, so the
-- lock and this statement find the same one.
-- The engine prepares it on the server once per connection (PREPARE, then EXECUTE with the
-- bindings), so every binding carries its type. Its plans are key lookups whatever the
-- statistics (tests/test_postgres_writes.py asks the generic plan).
-- Every part names its thread: on Citus an append goes to one shard; a fork, named by its
-- parent alone, reads the parent's thread first (a lookup by entry id, which fans out).
with thread as (
  select t.id, t.current_leaf_id as leaf, e.depth as leaf_depth, e.move_seq as leaf_move_seq
  from threads as t
  -- the current leaf, by its key: OFFSET 0 keeps the lookup apart, so that the generic plan
  -- cannot make it a join on the thread's id alone (a read of the thread's entries)
  left join lateral (
    select e.depth, e.move_seq from entries as e where e.thread_id = t.id and e.id = t.current_leaf_id offset 0
  ) as e on true
  where t.id = coalesce(:thread_id::text, (select f.thread_id from entries as f where f.id = :parent_id::bigint))
    and (not :check_leaf::boolean or t.current_leaf_id is not distinct from :expected_id::bigint)
),
under as (
  select thread.id as thread_id, thread.leaf as parent_id, coalesce(thread.leaf_depth + 1, 0) as depth
  from thread
  where :at_leaf::boolean
  union all
  select thread.id, p.id, p.depth + 1
  from thread
  cross join entries as p
  where not :at_leaf::boolean and p.thread_id = thread.id and p.id = :parent_id::bigint
  union all
  select thread.id, null, 0
  from thread
  where not :at_leaf::boolean and :parent_id::bigint is null
),
-- The seq of this move: one more than the latest, which is a row of leaf_moves or the move kept
-- on the current leaf (as last_leaf_move finds it). kept: the move fits migration 0008's rule
-- and goes on the new entry (an append from its parent, a fork from an entry).
next_move as (
  select
    coalesce(greatest((select max(m.seq) from leaf_moves as m where m.thread_id = thread.id), thread.leaf_move_seq), 0)
      + 1 as seq,
    (:reason::text = 'append' and under.parent_id is not distinct from thread.leaf)
      or (:reason::text = 'fork' and thread.leaf is not null) as kept
  from thread, under
),
added as (
  insert into entries (
    id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage,
    merged_from, move_seq, move_from
  )
  select nextval('entries_id_seq'), under.thread_id, under.parent_id, :role::text, :content::text, :item::text,
         :now::float8, under.depth, null, :hidden::boolean, :content_path::text, :usage::text, :merged_from::bigint,
         case when next_move.kept then next_move.seq end,
         case when next_move.kept and :reason::text = 'fork' then thread.leaf end
  from under, next_move, thread
  returning id, thread_id, parent_entry_id, depth
),
moved as (
  update threads
  set current_leaf_id = (select id from added), updated_at = :now::float8
  where id = (select thread_id from added)
),
recorded as (
  insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
  select thread.id, next_move.seq, thread.leaf, added.id, :reason::text, :now::float8
  from added, next_move, thread
  where not next_move.kept
),
remembered as (
  insert into left_leaves (thread_id, entry_id, seq)
  select thread.id, thread.leaf, next_move.seq
  from added, next_move, thread
  where thread.leaf is not null and added.parent_entry_id is distinct from thread.leaf
    and exists (select 1 from entries where id = thread.leaf and thread_id = thread.id)
  on conflict (thread_id, entry_id) do update set seq = excluded.seq
)
select id, thread_id, parent_entry_id, depth
from added
