-- llm_fragment: the content of fragment :fragment_id (text a part borrows by reference).
-- Bindings: :fragment_id. The fragments primary key.
select content from fragments where id = :fragment_id
