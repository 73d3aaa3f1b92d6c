-- copy_advance_ids: after a copy, new entry ids start above every id the source handed out
-- (:entries, its copy_high_water), not only above the entries copied: an id an agent kept
-- never comes to name another entry. Changes no row when sqlite_sequence has no row for
-- entries yet (copy_start_ids then makes it). Bindings: :entries.
update sqlite_sequence set seq = max(seq, :entries) where name = 'entries'
