-- candidate_insert: one candidate of a decision. Bindings: :decision_id, :position,
-- :thread_id, :entry_id (NULL only with :branch_deleted_at), :score, :passed (1, 0 or NULL),
-- :rationale, :selected (its place in select, NULL: not selected), :branch_deleted_at.
insert into run_candidates (decision_id, position, thread_id, entry_id, score, passed, rationale, selected,
                            branch_deleted_at)
values (:decision_id, :position, :thread_id, :entry_id, :score, cast(:passed as boolean), :rationale, :selected,
        :branch_deleted_at)
