-- entry_place: where an entry sits (thread_id, parent_entry_id, depth), or no row.
-- Bindings: :entry_id. For checks before a write: it never reads the (possibly large) text.
select thread_id, parent_entry_id, depth from entries where id = :entry_id
