-- llm_family_parts: (message_hash, type, tool_name, text, payload) of the parts of the messages
-- named in :message_hashes (a JSON array of hashes), message by message in the array's order,
-- each message's parts in order: one statement for a conversation, not one for each message.
-- Bindings: :message_hashes. llm's unique index on parts (message_hash, position), one SEARCH
-- a hash.
select h.value, p.type, p.tool_name, p.text, p.payload
from json_each(:message_hashes) as h
join parts as p on p.message_hash = h.value
order by h.key, p.position
