"""GET /healthz names each backend, and answers 503 naming the one that stopped."""

import pytest
from django.test import override_settings

from tests.fixtures.processes import free_ports

pytestmark = pytest.mark.django_db

HEALTHY = {"database": "ok", "cache": "ok", "storage": "ok", "broker": "ok"}


def redis_cache(url):
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


def health(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, response.json()


def test_the_embedded_mode_is_healthy(client):
    assert health(client) == (200, HEALTHY)


def test_a_stopped_redis_cache_gives_503_naming_the_cache(client, redis_server):
    with override_settings(CACHES=redis_cache(redis_server.url(1))):
        assert health(client) == (200, HEALTHY)

        redis_server.stop()
        status, body = health(client)

    assert status == 503
    assert body["cache"].startswith("error")
    assert {name: body[name] for name in ("database", "storage", "broker")} == {
        "database": "ok",
        "storage": "ok",
        "broker": "ok",
    }


def test_a_hung_redis_cache_gives_503_instead_of_hanging(client, redis_server):
    with override_settings(CACHES=redis_cache(redis_server.url(1))):
        redis_server.pause()
        status, body = health(client)
        redis_server.resume()

    assert status == 503
    assert body["cache"] != "ok"


def test_a_stopped_broker_gives_503_naming_the_broker(client, redis_server, settings):
    settings.CELERY_BROKER_URL = redis_server.url(2)
    assert health(client) == (200, HEALTHY)

    redis_server.stop()
    status, body = health(client)

    assert status == 503
    assert body["broker"].startswith("error")
    assert body["database"] == body["cache"] == body["storage"] == "ok"


@pytest.mark.s3
def test_s3_storage_is_checked(client, s3_storage, settings):
    assert health(client) == (200, HEALTHY)

    (closed_port,) = free_ports(1)  # nothing listens there: an object store that is down
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{closed_port}"
    settings.STORAGES = {**settings.STORAGES}  # a new storage object with the new endpoint
    status, body = health(client)

    assert status == 503
    assert body["storage"] != "ok"
    assert body["database"] == body["cache"] == body["broker"] == "ok"
