-- llm_tool_calls: every row of llm's legacy tool_calls table (response_id, name, arguments,
-- tool_call_id...), in the order they were logged.
-- Bindings: none.
select * from tool_calls order by id
