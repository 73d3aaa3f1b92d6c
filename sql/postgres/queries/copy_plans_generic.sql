-- copy_plans_generic: back to PostgreSQL's own choice of reusing plans, once copy_plans has
-- given it statistics to make them with. Bindings: none.
set local plan_cache_mode = auto
