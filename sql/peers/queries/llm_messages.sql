-- llm_messages: (hash, parent_hash, role, provider_metadata) of every message of llm's
-- content-addressed store (a message's hash covers its content and its parent's hash).
-- Bindings: none.
select hash, parent_hash, role, provider_metadata from messages
