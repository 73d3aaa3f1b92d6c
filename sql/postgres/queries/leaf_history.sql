-- leaf_history: the leaf moves of :thread_id, newest first, at most :limit (-1: all): the rows
-- of leaf_moves and the moves kept on entries (migration 0008), merged.
-- Bindings: :thread_id, :limit. recorded: the primary key range of leaf_moves walked
-- backwards, to :limit rows. top: the thread's latest seq (as last_leaf_move finds it). made:
-- the primary key (thread_id, id) of entries walked backwards (an entry's move_seq grows with
-- its id) until it has the moves of the newest :limit seqs that recorded has not; seqs have no
-- gaps, so it stops there instead of walking a thread of extends and imports whole.
with
  recorded (thread_id, seq, from_entry_id, to_entry_id, reason, created_at) as (
    select thread_id, seq, from_entry_id, to_entry_id, reason, created_at
    from leaf_moves
    where thread_id = :thread_id
    order by seq desc
    limit nullif(:limit, -1)
  ),
  top (seq, wanted) as (
    select last.seq, case when :limit < 0 or :limit > last.seq then last.seq else :limit end
    from (
      select greatest(
        coalesce((select max(seq) from leaf_moves where thread_id = :thread_id), 0),
        coalesce((
          select e.move_seq
          from threads as t
          join entries as e on e.thread_id = t.id and e.id = t.current_leaf_id
          where t.id = :thread_id
        ), 0)
      ) as seq
    ) as last
  ),
  made (thread_id, seq, from_entry_id, to_entry_id, reason, created_at) as (
    select thread_id, move_seq, coalesce(move_from, parent_entry_id), id,
           case when move_from is null then 'append' else 'fork' end, created_at
    from entries
    where thread_id = :thread_id and move_seq is not null
    order by id desc
    limit (
      select top.wanted - (select count(*) from recorded where recorded.seq > top.seq - top.wanted) from top
    )
  )
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from recorded
union all
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from made
order by seq desc
limit nullif(:limit, -1)
