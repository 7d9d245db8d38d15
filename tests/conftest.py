import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached figures must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(username="national-admin")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
