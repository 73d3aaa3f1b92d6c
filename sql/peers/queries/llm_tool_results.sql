-- llm_tool_results: every row of llm's legacy tool_results table (response_id: the response
-- whose prompt carried it; name, output, tool_call_id; exception from llm 0.27), in the order
-- they were logged.
-- Bindings: none.
select * from tool_results order by id
