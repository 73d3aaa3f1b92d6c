-- langgraph_checkpoints: (checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) of
-- every checkpoint of the root graph of thread :thread_id, by id (SqliteSaver's own order: its
-- latest checkpoint is the one with the highest id).
-- Bindings: :thread_id. The checkpoints primary key (thread_id, checkpoint_ns, checkpoint_id).
select checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
from checkpoints
where thread_id = :thread_id and checkpoint_ns = ''
order by checkpoint_id
