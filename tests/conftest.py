import pytest

from tests import factories

# Real services for integration tests: s3_server, s3_storage, real_celery_worker, browser_page,
# redis_server (one a test may stop).
pytest_plugins = [
    "tests.fixtures.s3",
    "tests.fixtures.celery",
    "tests.fixtures.browser",
    "tests.fixtures.redis",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached figures must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    """Quick password hashing for the many users tests create, and uploads in a temp folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture
def admin_user(db):
    return factories.AdminFactory(username="national-admin")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
