-- llm_attachment: (id, type, path, url) of attachment :attachment_id; its bytes are left in
-- llm's file.
-- Bindings: :attachment_id. The attachments primary key.
select id, type, path, url from attachments where id = :attachment_id
