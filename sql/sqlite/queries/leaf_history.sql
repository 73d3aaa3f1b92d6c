-- leaf_history: the leaf moves of :thread_id, newest first, at most :limit (-1: all): the rows
-- of leaf_moves and the moves kept on entries (migration 0011), merged.
-- Bindings: :thread_id, :limit. The primary key range of leaf_moves walked backwards (recorded),
-- and the unique (thread_id, id) index of entries walked backwards (made: an entry's move_seq
-- grows with its id), each to :limit moves, then the two sorted together.
with
  recorded (thread_id, seq, from_entry_id, to_entry_id, reason, created_at) as (
    select thread_id, seq, from_entry_id, to_entry_id, reason, created_at
    from leaf_moves
    where thread_id = :thread_id
    order by seq desc
    limit :limit
  ),
  made (thread_id, seq, from_entry_id, to_entry_id, reason, created_at) as (
    select thread_id, move_seq, coalesce(move_from, parent_entry_id), id,
           case when move_from is null then 'append' else 'fork' end, created_at
    from entries indexed by sqlite_autoindex_entries_1
    where thread_id = :thread_id and move_seq is not null
    order by id desc
    limit :limit
  )
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from recorded
union all
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at from made
order by seq desc
limit :limit
