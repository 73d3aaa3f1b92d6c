-- copy_plans: statistics for the tables a copy grows while it looks rows up in them, taken
-- once the first batch of entries is in (ANALYZE counts the transaction's own rows), so that
-- the lookups each copied row makes (the entries' trigger finds the parent, the leaves
-- trigger the parent's leaf, foreign keys their rows) are planned again on keys.
-- Without statistics, a lookup planned once per session on a nearly empty table walked index
-- entries_thread_parent over every entry of the thread, for every row: 3,000 entries read
-- 4.5 million rows, and 10,000 went in at 300 rows/s (copy_plans_custom covers the first
-- batch). Bindings: none.
analyze threads, entries, leaves
