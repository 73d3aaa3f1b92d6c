-- llm_parts: (type, tool_name, text, payload) of the parts of message :message_hash, in order.
-- Bindings: :message_hash. llm's unique index on parts (message_hash, position).
select type, tool_name, text, payload
from parts
where message_hash = :message_hash
order by position
