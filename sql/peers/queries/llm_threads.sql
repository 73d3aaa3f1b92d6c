-- llm_threads: (id, name, tip_message_hash, forked_from, datetime_utc) of every thread of llm's
-- message store (llm 0.32 and later), oldest first.
-- Bindings: none.
select id, name, tip_message_hash, forked_from, datetime_utc
from threads
order by datetime_utc, id
