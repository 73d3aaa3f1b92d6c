-- copy_advance_ids: after a copy, new entry ids start above every id the source handed out
-- (:entries, its copy_high_water), not only above the entries copied: an id an agent kept
-- never comes to name another entry. The floor of deleted ids (migration 0013) only rises.
-- Bindings: :entries.
update entries_floor set id = max(id, :entries)
