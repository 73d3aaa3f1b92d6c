-- record_leaf_move: add a thread's next leaf move; :seq is one more than last_leaf_move gave.
-- Bindings: :thread_id, :seq, :from_id, :to_id (NULL: an empty path), :reason, :now. Runs in
-- the write transaction that moved the leaf, whose lock keeps :seq free. Plain VALUES, not
-- INSERT ... SELECT max(seq) + 1 FROM leaf_moves: reading the table being inserted into
-- makes SQLite copy the result through a temporary table, 8x the cost of two statements.
-- An 'append' or 'fork' that made its entry is kept on that entry instead of a row (trigger
-- leaf_moves_kept_on_entries, migration 0011): the insert then writes no row.
insert into leaf_moves (thread_id, seq, from_entry_id, to_entry_id, reason, created_at)
values (:thread_id, :seq, :from_id, :to_id, :reason, :now)
