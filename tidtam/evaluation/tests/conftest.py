import pytest

from tidtam.core.testing import rollup_world


@pytest.fixture
def world():
    return rollup_world()


@pytest.fixture
def dups(org):
    """The duplicate-detection world (`duplicate_world.py`)."""
    from tidtam.evaluation import duplicates
    from tidtam.evaluation.tests.duplicate_world import duplicate_world

    duplicates._cache.clear()  # term weights of an earlier test's database
    return duplicate_world(org)
