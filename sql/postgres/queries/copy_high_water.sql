-- copy_high_water: the highest entry id this database has handed out (entries_id_seq's last
-- value, which outlives deleted entries and counts the blocks imports reserve), 0 before the
-- first. Bindings: none.
select case when is_called then last_value else 0 end from entries_id_seq
