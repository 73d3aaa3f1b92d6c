-- langgraph_threads: (thread_id, checkpoints of the root graph, checkpoints of subgraphs) of
-- every thread of a LangGraph SqliteSaver file, by id.
-- Bindings: none. One pass over the checkpoints primary key (thread_id, checkpoint_ns, checkpoint_id).
select thread_id, sum(checkpoint_ns = ''), sum(checkpoint_ns != '')
from checkpoints
group by thread_id
order by thread_id
