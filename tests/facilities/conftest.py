import pytest

from tests.facilities.world import build_world


@pytest.fixture
def world(db):
    return build_world()
