import pytest

from tests.facilities.world import build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each test builds several accounts; the production hasher would cost ~0.4 s per account."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return build_world()
