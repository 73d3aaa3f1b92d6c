-- agents_structure: (branch_id, message_id, user_turn_number, sequence_number) of every row of
-- AdvancedSQLiteSession's message_structure for :session_id, in sequence order: each branch's
-- items in order; a branch made from a turn repeats the ids of the items it copied.
-- Bindings: :session_id. The SDK's index idx_structure_session_seq (session_id, sequence_number).
select branch_id, message_id, user_turn_number, sequence_number
from message_structure
where session_id = :session_id
order by sequence_number, id
