-- backward_moves: the entries a thread's leaf was at before each of its rewinds, checkouts,
-- pops and clears, newest first: the targets redo walks back to. Bindings: :thread_id.
select from_entry_id
from leaf_moves
where thread_id = :thread_id and reason in ('rewind', 'checkout', 'pop', 'clear') and from_entry_id is not null
order by seq desc
