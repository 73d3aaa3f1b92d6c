-- candidate_marks: every candidate of :thread_id still on the tree, with its score, verdict
-- and place in its decision's select, oldest decision first (a later one overrides). For the
-- marks of `tree`. Bindings: :thread_id. Index run_candidates_entry.
select c.entry_id, c.score, c.passed, c.selected
from run_candidates as c
where c.thread_id = :thread_id and c.entry_id is not null
order by c.decision_id, c.position
