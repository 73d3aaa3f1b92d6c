-- copy_plans_custom: until copy_plans has statistics to plan with, every lookup a copied row
-- makes is planned for its own values and the table's size at that moment, never reused from
-- a plan made on an empty table (see copy_plans). Bindings: none. SET LOCAL: until the
-- transaction ends, or copy_plans_generic.
set local plan_cache_mode = force_custom_plan
