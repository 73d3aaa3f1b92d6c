-- 0002_sources: where imported threads and entries came from, and hidden entries.
--
-- entries.source_id: the id an entry had in the system it was imported from (a ChatGPT node
-- id, a Claude Code uuid), or a caller's idempotency key. Unique within a thread: appending
-- with a source_id the thread already has returns that entry instead of writing a second one.
-- entries.hidden: system prompts, tool plumbing and metadata nodes are kept (an export must
-- give them back) but left out of what is shown by default.
-- threads.source_format + threads.source_id: the conversation a thread was imported from, so a
-- second import of the same conversation updates that thread. Both set or both NULL.

alter table entries add column source_id text
  check (source_id is null or (typeof(source_id) = 'text' and source_id <> ''));
alter table entries add column hidden integer not null default 0 check (hidden in (0, 1));

create unique index entries_source on entries (thread_id, source_id) where source_id is not null;

alter table threads add column source_format text
  check (source_format is null or (typeof(source_format) = 'text' and source_format <> ''));
alter table threads add column source_id text
  check ((source_id is null) = (source_format is null)
         and (source_id is null or (typeof(source_id) = 'text' and source_id <> '')));

create unique index threads_source on threads (source_format, source_id) where source_id is not null;
