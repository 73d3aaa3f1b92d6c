-- agents_sessions: (session_id, created_at, updated_at) of every session of an OpenAI Agents SDK
-- SQLiteSession file, those without a row in agent_sessions included (times NULL), by id.
-- Bindings: none. agent_messages is read through its index (session_id, id).
select session_id, min(created_at), max(updated_at)
from (
  select session_id, created_at, updated_at from agent_sessions
  union all
  select distinct session_id, null, null from agent_messages
)
group by session_id
order by session_id
