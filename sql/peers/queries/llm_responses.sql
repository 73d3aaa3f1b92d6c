-- llm_responses: every row of llm's legacy responses table (llm 0.31 and before wrote it; its
-- columns grew with llm's migrations, hence *), grouped by conversation (a response without one
-- is a conversation of its own), in the order llm logged them (rowid) inside each.
-- Bindings: none. One pass over responses, sorted by a temporary b-tree.
select coalesce(conversation_id, id) as threadtree_conversation, *
from responses
order by 1, rowid
