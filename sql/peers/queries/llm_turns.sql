-- llm_turns: every turn (one model call) of llm's message store, oldest first: thread_id,
-- parent_message_hash and tip_message_hash (what the call was sent and what it added), model,
-- tokens, duration, time, the provider's condensed payload...
-- Bindings: none.
select * from turns order by datetime_utc, id
