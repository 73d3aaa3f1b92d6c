-- add_entry: a whole append or fork of one message in one statement (PostgreSQL only): the
-- new entry, the thread's leaf moved to it, the move in the leaf history and, when the entry
-- does not go under the current leaf, that leaf kept as the one its branch was left at; the
-- same rows as insert_entry, move_leaf, last_leaf_move, record_leaf_move and
-- remember_left_leaf one by one (threadtree._db.tree.add), in one round trip instead of six.
-- Returns (id, parent_entry_id, depth) of the new entry, or no row and nothing written when
-- the plain path must decide: no such thread, a leaf that is not :expected_id (when
-- :check_leaf), a parent that is not an entry of the thread. Bindings: :thread_id, :at_leaf
-- (true: under the current leaf; false: under :parent_id, NULL for a new root), :parent_id,
-- :check_leaf, :expected_id, :role, :content, :item, :now, :hidden, :content_path, :usage,
-- :merged_from, :reason.
-- The thread's row is locked by the statement before this one (PostgresTx), so that this
-- statement's snapshot, taken after the lock, sees every write of the writers before: a
-- FOR UPDATE inside it would wait on the row but read the leaf history as it was before.
-- The engine prepares it on the server once per connection (PREPARE, then EXECUTE with the
-- bindings), so every binding carries its type. Its plans are key lookups whatever the
-- statistics (tests/test_postgres_writes.py asks the generic plan).
-- Every part names its thread: on Citus the statement goes to one shard.
with thread as (
  select t.current_leaf_id as leaf, e.depth as leaf_depth
  from threads as t
  left join entries as e on e.thread_id = t.id and e.id = t.current_leaf_id
  where t.id = :thread_id::text
    and (not :check_leaf::boolean or t.current_leaf_id is not distinct from :expected_id::bigint)
),
under as (
  select thread.leaf as parent_id, coalesce(thread.leaf_depth + 1, 0) as depth
  from thread
  where :at_leaf::boolean
  union all
  select p.id, p.depth + 1
  from thread
  cross join entries as p
  where not :at_leaf::boolean and p.thread_id = :thread_id::text and p.id = :parent_id::bigint
  union all
  select null, 0
  from thread
  where not :at_leaf::boolean and :parent_id::bigint is null
),
added as (
  insert into entries (
    id, thread_id, parent_entry_id, role, content, item, created_at, depth, source_id, hidden, content_path, usage, merged_from
  )
  select nextval('entries_id_seq'), :thread_id::text, under.parent_id, :role::text, :content::text, :item::text, :now::float8, under.depth, null, :hidden::boolean, :content_path::text, :usage::text, :merged_from::bigint
  from under
  returning id, parent_entry_id, depth
),
moved as (
  update threads
  set current_leaf_id = added.id, updated_at = :now::float8
  from added
  where threads.id = :thread_id::text
),
next_move as (
  select coalesce(max(seq), 0) + 1 as seq
  from leaf_moves
  where thread_id = :thread_id::text
),
recorded as (
  insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
  select :thread_id::text, next_move.seq, thread.leaf, added.id, :reason::text, :now::float8
  from added, next_move, thread
),
remembered as (
  insert into left_leaves (thread_id, entry_id, seq)
  select :thread_id::text, thread.leaf, next_move.seq
  from added, next_move, thread
  where thread.leaf is not null and added.parent_entry_id is distinct from thread.leaf
    and exists (select 1 from entries where id = thread.leaf and thread_id = :thread_id::text)
  on conflict (thread_id, entry_id) do update set seq = excluded.seq
)
select id, parent_entry_id, depth
from added
