"""Outages of the cache and of the object store answer, never with a 500.

Cache: a private Redis as the cache (the backend of the settings), stopped; pages and API
calls still answer, the outage is logged once, /healthz names the cache. Storage: a SeaweedFS
of the test's own, stopped; uploads answer 503 with a message and write no row.
"""

import logging

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config import cache as fail_open_cache
from events.models import ActivityPhoto
from resources.models import DigitalResource
from tests import factories
from tests.events.images import jpeg_bytes
from tests.resources.digital_support import stored_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(redis_server, settings, tmp_path):
    """The production cache backend on a private Redis that has just stopped."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url(1),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    cache.set("warm", "1")
    assert cache.get("warm") == "1"  # the backend really talks to this Redis
    redis_server.stop()
    fail_open_cache._warned_at = None
    yield


def test_with_the_cache_down_every_door_still_answers(cache_down, client, caplog):
    campaign = factories.CampaignFactory(slug="health")
    factories.KitFactory()
    resource = stored_resource()
    api = APIClient()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        answers = {
            "kits": api.get("/api/v1/kits/"),
            "catalogue": api.get("/api/v1/digital-resources/"),
            "stats": api.get(f"/api/v1/campaigns/{campaign.slug}/stats/"),
            "download": api.get(f"/api/v1/digital-resources/{resource.pk}/download/"),
            "home": client.get("/"),
            "catalogue page": client.get("/resources/"),
        }
        health = client.get("/healthz")

    assert {name: response.status_code for name, response in answers.items()} == {
        "kits": 200,
        "catalogue": 200,
        "stats": 200,
        "download": 200,
        "home": 200,
        "catalogue page": 200,
    }
    assert [item["id"] for item in answers["catalogue"].json()["results"]] == [resource.pk]
    assert b"".join(answers["download"].streaming_content) == b"hello science"
    assert health.status_code == 503
    assert health.json()["cache"].startswith("error")
    assert health.json()["database"] == "ok"
    # Dozens of failed cache calls, one line in the log.
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1
    assert "cache unreachable" in warnings[0].getMessage()


@pytest.fixture
def storage_down(stoppable_s3_storage):
    stoppable_s3_storage.stop()
    return stoppable_s3_storage


@pytest.mark.s3
def test_with_the_store_down_a_resource_upload_is_a_503_and_writes_nothing(storage_down):
    admin = factories.AdminFactory()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(admin)
    response = api.post(
        "/api/v1/digital-resources/",
        {
            "title": "Leaflet",
            "format": "document",
            "access": "public",
            "file": SimpleUploadedFile("leaflet.txt", b"hello science"),
        },
        format="multipart",
    )
    assert response.status_code == 503, response.content
    assert "try again" in response.json()["detail"]
    assert response["Retry-After"]
    assert not DigitalResource.objects.exists()


@pytest.mark.s3
def test_with_the_store_down_a_photo_upload_is_a_503_and_writes_nothing(storage_down):
    membership = factories.MembershipFactory()
    activity = factories.ActivityFactory(facility=membership.facility)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(membership.user)
    response = api.post(
        f"/api/v1/activities/{activity.pk}/photos/",
        {"image": SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 503, response.content
    assert "file store" in response.json()["detail"]
    assert not ActivityPhoto.objects.exists()


@pytest.mark.s3
def test_with_the_store_down_an_admin_upload_is_a_503_page_and_writes_nothing(storage_down, client):
    client.force_login(factories.AdminFactory())
    response = client.post(
        "/admin/resources/digitalresource/add/",
        {
            "title": "Leaflet",
            "description": "",
            "format": "document",
            "access": "public",
            "file": SimpleUploadedFile("leaflet.txt", b"hello science"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 503
    assert "file store is not answering" in response.content.decode()
    assert not DigitalResource.objects.exists()
