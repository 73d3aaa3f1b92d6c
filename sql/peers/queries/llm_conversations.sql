-- llm_conversations: (id, name, model) of every row of llm's legacy conversations table.
-- Bindings: none.
select id, name, model from conversations
