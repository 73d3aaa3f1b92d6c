-- foreign_key_check: (table, rowid, parent table, constraint index) of every row whose
-- foreign key points at a missing row. Bindings: none. Whole-file checks only.
pragma foreign_key_check
