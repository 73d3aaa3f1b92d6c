-- copy_read_leaf_moves: the leaf history of every thread: the rows of leaf_moves and the moves
-- kept on entries (migration 0008), as rows.
-- copy_database reads it whole, streamed, in the snapshot it copies.
-- Bindings: none. Columns as copy_write_leaf_moves takes them.
select thread_id, seq, from_entry_id, to_entry_id, reason, created_at
from leaf_moves
union all
select thread_id, move_seq, coalesce(move_from, parent_entry_id), id,
       case when move_from is null then 'append' else 'fork' end, created_at
from entries
where move_seq is not null
order by 1, 2
