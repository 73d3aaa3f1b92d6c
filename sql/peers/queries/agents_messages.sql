-- agents_messages: (id, message_data, created_at) of every item of session :session_id, in the
-- order the SDK reads them (id).
-- Bindings: :session_id. The SDK's index idx_agent_messages_session_id (session_id, id).
select id, message_data, created_at
from agent_messages
where session_id = :session_id
order by id
