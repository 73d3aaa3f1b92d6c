-- copy_advance_ids: after a copy, the sequences go past every id written with its value
-- (COPY does not call nextval), and entry ids past every id the source handed out too
-- (:entries, its copy_high_water): an id an agent kept never comes to name another entry.
-- A sequence never goes back (greatest with its own last value); one still unused stays so.
-- Bindings: :entries. One row. Reads each table's largest id from an index (entries_id and
-- the primary keys' second column need the whole table for tool calls and run records: run
-- once per copy).
select
  setval('entries_id_seq', greatest(e.top, e.last_value, 1), e.top > 0 or e.is_called),
  setval('tool_calls_id_seq', greatest(t.top, t.last_value, 1), t.top > 0 or t.is_called),
  setval('run_records_id_seq', greatest(r.top, r.last_value, 1), r.top > 0 or r.is_called)
from (select greatest(:entries, (select coalesce(max(id), 0) from entries)) as top, last_value, is_called
      from entries_id_seq) as e,
     (select (select coalesce(max(id), 0) from tool_calls) as top, last_value, is_called
      from tool_calls_id_seq) as t,
     (select greatest((select coalesce(max(id), 0) from branch_runs), (select coalesce(max(id), 0) from leaf_runs),
                      (select coalesce(max(id), 0) from run_decisions)) as top, last_value, is_called
      from run_records_id_seq) as r
