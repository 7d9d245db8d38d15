import pytest

from facilities.models import FacilityStatus
from tests.facilities.world import build_world


@pytest.fixture
def world(db):
    """Both facilities approved: participation needs an approved facility."""
    return build_world(status_a=FacilityStatus.APPROVED)
