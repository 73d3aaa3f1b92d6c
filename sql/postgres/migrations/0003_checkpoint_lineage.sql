-- 0003_checkpoint_lineage: a deleted checkpoint's children take its nearest surviving
-- ancestor as their parent, whatever order a delete took the checkpoints in.
--
-- 0001 did it as SQLite does, one row at a time after each row's delete. On PostgreSQL the
-- rows of a delete_branch go in separate cascades, and the triggers of all of them fire after
-- every row is gone, each with the parent its row had: in a chain a <- b <- c <- e where b and
-- c are deleted, e was handed b (deleted, a dangling parent). Here the trigger fires once per
-- statement and sees every row the statement deleted (its transition table "gone"), walking up
-- through them to the first parent that survives; delete_subtree deletes the branch's
-- checkpoints in the same statement as its entries, so that they are all in one "gone".

create or replace function threadtree_checkpoints_reparent() returns trigger language plpgsql as $$
begin
  update checkpoints as c
  set parent_checkpoint_id = (
    with recursive up (checkpoint_id, parent_checkpoint_id) as (
      select g.checkpoint_id, g.parent_checkpoint_id
      from gone as g
      where g.thread_id = c.thread_id and g.checkpoint_id = c.parent_checkpoint_id
      union
      select g.checkpoint_id, g.parent_checkpoint_id
      from up
      join gone as g on g.thread_id = c.thread_id and g.checkpoint_id = up.parent_checkpoint_id
    )
    select up.parent_checkpoint_id
    from up
    where up.parent_checkpoint_id is null or not exists (
      select 1 from gone as g where g.thread_id = c.thread_id and g.checkpoint_id = up.parent_checkpoint_id
    )
    limit 1
  )
  from (select distinct thread_id, checkpoint_id from gone) as d
  where c.thread_id = d.thread_id and c.parent_checkpoint_id = d.checkpoint_id;
  return null;
end $$;

drop trigger checkpoints_reparent_on_delete on checkpoints;

create trigger checkpoints_reparent_on_delete after delete on checkpoints
referencing old table as gone
for each statement execute function threadtree_checkpoints_reparent();

-- A parent checkpoint must exist in the thread when a row changes its parent too, as in
-- SQLite (0001 checked inserts only). The re-parenting above names only parents that exist.
drop trigger checkpoints_parent_in_thread on checkpoints;

create trigger checkpoints_parent_in_thread before insert or update of parent_checkpoint_id on checkpoints
for each row execute function threadtree_checkpoints_parent();
