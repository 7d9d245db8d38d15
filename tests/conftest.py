import pytest

from tests import factories


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(username="national-admin")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
