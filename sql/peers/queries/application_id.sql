-- application_id: the file's PRAGMA application_id (0 for most files; threadtree's own is
-- 0x74687472), so that no reader takes a threadtree database for a peer's file.
-- Bindings: none.
select application_id from pragma_application_id()
