-- llm_prompt_attachments: (response_id, id, type, path, url) of every attachment of a legacy
-- response's prompt, in their order (the bytes stay in llm's attachments table).
-- Bindings: none.
select pa.response_id, a.id, a.type, a.path, a.url
from prompt_attachments as pa join attachments as a on a.id = pa.attachment_id
order by pa.response_id, pa."order"
