-- llm_prompt_fragments: (response_id, kind, content, source) of every fragment a legacy
-- response's prompt ('prompt') or system prompt ('system') was given, in their order.
-- Bindings: none.
select response_id, kind, content, source
from (
  select pf.response_id, 'prompt' as kind, pf."order" as position, f.content, f.source
  from prompt_fragments as pf join fragments as f on f.id = pf.fragment_id
  union all
  select sf.response_id, 'system', sf."order", f.content, f.source
  from system_fragments as sf join fragments as f on f.id = sf.fragment_id
)
order by response_id, kind, position
