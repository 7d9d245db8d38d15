"""Digital resources against the real services: SeaweedFS S3, a Celery worker over Redis,
PostgreSQL under concurrent downloads, and a broker that is down."""

import hashlib
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.db import connection
from PIL import Image

from config.celery import app as celery_app
from resources.models import DigitalResource, DownloadEvent
from resources.services import digital as services
from resources.tasks import drain_download_events
from tests.fixtures.celery import celery_app_on_broker
from tests.fixtures.processes import free_ports, wait_until
from tests.resources import digital_support
from tests.resources.digital_support import png_bytes, run_concurrently, stored_resource, upload

media_root = digital_support.media_root

WAIT = 60


def api_download(pk):
    return f"/api/v1/digital-resources/{pk}/download/"


@pytest.fixture
def broker_down():
    """The in-process Celery app pointed at a loopback port where nothing listens."""
    (port,) = free_ports(1)
    with celery_app_on_broker(
        celery_app, broker_url=f"redis://127.0.0.1:{port}/0", queue="nobody-listens"
    ):
        yield


@pytest.mark.s3
@pytest.mark.celery_worker
def test_upload_thumbnail_by_the_worker_and_download_from_s3(
    s3_storage, real_celery_worker, admin_user, api_client
):
    api_client.force_authenticate(admin_user)
    data = png_bytes((1600, 1200))
    response = api_client.post(
        "/api/v1/digital-resources/",
        {"title": "健康享未来海报", "format": "image", "file": upload("海报.png", data)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["content_type"] == "image/png"

    # The worker (another process, same bucket) makes the thumbnail.
    def thumbnail():
        return DigitalResource.objects.filter(pk=body["id"]).values_list("thumbnail", flat=True)[0]

    name = wait_until(thumbnail, timeout=WAIT)
    assert name, real_celery_worker.log()[-3000:]
    assert "resources.tasks.make_thumbnail" in real_celery_worker.log()
    with s3_storage.open(name, "rb") as handle, Image.open(handle) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (480, 360)

    api_client.force_authenticate(None)
    response = api_client.get(api_download(body["id"]))
    assert response.status_code == 302
    location = response["Location"]
    query = parse_qs(urlparse(location).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    fetched = requests.get(location, timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert "attachment" in fetched.headers["Content-Disposition"]
    tampered = location.replace("X-Amz-Expires=300", "X-Amz-Expires=3000")
    assert requests.get(tampered, timeout=30).status_code == 403  # the signature is checked

    drain_download_events.delay()  # as beat does every second
    assert wait_until(
        lambda: DownloadEvent.objects.filter(resource_id=body["id"]).exists(), timeout=WAIT
    )
    assert DigitalResource.objects.get(pk=body["id"]).download_count == 1


@pytest.mark.s3
@pytest.mark.celery_worker
def test_200_downloads_from_20_concurrent_clients_are_200_events_and_a_count_of_200(
    s3_storage, real_celery_worker, live_server
):
    resource = stored_resource(data=b"caravan timetable")
    url = live_server.url + api_download(resource.pk)

    def client(_index):
        with requests.Session() as session:
            return [
                session.get(url, allow_redirects=False, timeout=30).status_code for _ in range(10)
            ]

    statuses = [status for batch in run_concurrently(20, client) for status in batch]
    assert statuses == [302] * 200

    drain_download_events.delay()  # as beat does every second
    events = DownloadEvent.objects.filter(resource=resource)
    assert wait_until(lambda: events.count() >= 200, timeout=WAIT), real_celery_worker.log()[-3000:]
    time.sleep(0.5)  # anything beyond 200 would show up now
    assert events.count() == 200
    assert events.values("event_key").distinct().count() == 200
    assert set(events.values_list("channel", flat=True)) == {"api"}
    resource.refresh_from_db()
    assert resource.download_count == 200


@pytest.mark.s3
def test_with_the_broker_unreachable_downloads_still_redirect_and_are_counted(
    s3_storage, live_server, broker_down
):
    resource = stored_resource(data=b"offline leaflet")
    url = live_server.url + api_download(resource.pk)

    def client(_index):
        with requests.Session() as session:
            return [
                session.get(url, allow_redirects=False, timeout=30).status_code for _ in range(5)
            ]

    statuses = [status for batch in run_concurrently(20, client) for status in batch]
    assert statuses == [302] * 100
    # Written directly in the requests: counted before the answers went out.
    assert DownloadEvent.objects.filter(resource=resource).count() == 100
    resource.refresh_from_db()
    assert resource.download_count == 100


@pytest.mark.s3
def test_with_the_broker_unreachable_publishing_still_makes_the_thumbnail(
    s3_storage, transactional_db, admin_user, broker_down
):
    resource = services.publish_resource(
        by=admin_user, file=upload("a.png", png_bytes()), title="海报", resource_format="image"
    )
    resource.refresh_from_db()
    assert resource.thumbnail and s3_storage.exists(resource.thumbnail.name)


def test_negative_control_a_read_then_write_counter_loses_concurrent_downloads(
    transactional_db, media_root
):
    """The concurrency test above would catch a counter that is read, then written back."""
    resource = stored_resource()

    def naive(_index):
        try:
            for _ in range(10):
                count = DigitalResource.objects.get(pk=resource.pk).download_count
                time.sleep(0.002)
                DigitalResource.objects.filter(pk=resource.pk).update(download_count=count + 1)
        finally:
            connection.close()

    run_concurrently(20, naive)
    resource.refresh_from_db()
    assert resource.download_count < 200
