"""Doctests of the package: every docstring example gets ``threadtree`` and a fresh memory
``store``. (At the top level so that it reaches threadtree/; never shipped in the wheel.)"""

import importlib.util

import pytest

import threadtree

# Without the Agents SDK (a checkout without the [agents] or [test] extra), the session package and
# its tests cannot be imported; everything else still runs. CI installs [test], which has it.
collect_ignore = [] if importlib.util.find_spec("agents") else [
    "threadtree/agents", "tests/test_agents.py", "tests/agent_model.py",
]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    with threadtree.open(":memory:") as store:
        doctest_namespace["threadtree"] = threadtree
        doctest_namespace["store"] = store
        yield
