-- search_tail_rebuild: the temporary index made again of the entries pending now (at most 255),
-- in the search's own snapshot. Bindings: none.
insert into temp.entries_search_tail (entries_search_tail) values ('rebuild')
