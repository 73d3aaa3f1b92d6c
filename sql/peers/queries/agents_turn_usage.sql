-- agents_turn_usage: (branch_id, user_turn_number, requests, input_tokens, output_tokens,
-- total_tokens, input_tokens_details, output_tokens_details) of AdvancedSQLiteSession's
-- turn_usage rows for :session_id: what each turn of each branch cost.
-- Bindings: :session_id. The SDK's index idx_turn_usage_session_turn.
select branch_id, user_turn_number, requests, input_tokens, output_tokens, total_tokens,
  input_tokens_details, output_tokens_details
from turn_usage
where session_id = :session_id
order by branch_id, user_turn_number
