-- next_entry_id: the first of a block of 1,000,000 entry ids reserved for this transaction.
-- An import or a copy numbers its entries from here and inserts them with explicit ids; on
-- PostgreSQL other writers append at the same time (they lock only their own thread), so the
-- ids are taken from the sequence, not from max(id): nobody else will be given one of them.
-- Bindings: none.
select setval('entries_id_seq', nextval('entries_id_seq') + 999999) - 999999
