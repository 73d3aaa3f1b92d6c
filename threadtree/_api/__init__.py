"""The parts of :class:`threadtree.Store`, one concern each (threads, writing the tree, reading
it, views, agent state, jobs and tools). Each part checks its input, opens one transaction on
the storage floor (``threadtree._db``) and builds records; none reads anything that
:class:`~threadtree._api.base.StoreBase` does not declare."""
