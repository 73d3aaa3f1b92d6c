-- search_unindexed: (entry id, thread id) of the entries whose stored words (search_words,
-- migration 0005) are not what their content reads as now: a row the search cannot find as
-- it should. The column is generated, so only a change of the folding under the rows (the
-- function threadtree_search_words replaced, the column's expression dropped) leaves one
-- behind. In id order. Bindings: none. Parses every entry's text again: a whole scan.
select e.id, e.thread_id
from entries as e
where e.search_words is distinct from threadtree_search_words(e.content)
order by e.id
