import pytest

from tidtam.core.testing import rollup_world


@pytest.fixture
def world():
    return rollup_world()
