"""Doctests of the package: every docstring example gets ``threadtree`` and a fresh memory
``store``. (At the top level so that it reaches threadtree/; never shipped in the wheel.)"""

import pytest

import threadtree


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    with threadtree.open(":memory:") as store:
        doctest_namespace["threadtree"] = threadtree
        doctest_namespace["store"] = store
        yield
