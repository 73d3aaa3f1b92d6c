-- decision_list: the decisions of :run_id in the order made, each row one candidate (decisions
-- without a candidate cannot exist), candidates in the order given. Bindings: :thread_id,
-- :run_id. The unique index (thread_id, run_id, entry_id), then the candidates' primary key.
select d.id, d.entry_id, d.decided_at, d.branch_deleted_at,
       c.entry_id, c.score, c.passed, c.rationale, c.selected, c.branch_deleted_at
from run_decisions as d
join run_candidates as c on c.decision_id = d.id
where d.thread_id = :thread_id and d.run_id = :run_id
order by d.id, c.position
