"""Downloads in the embedded mode (local media, tasks in-process): access, streaming, tracking,
and the daily roll-up."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from resources.models import (
    DigitalResource,
    DownloadDaily,
    DownloadEvent,
    ResourceAccess,
)
from resources.services import digital as services
from tests import factories
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, stored_resource

media_root = digital_support.media_root
pytestmark = pytest.mark.usefixtures("media_root")


def api_download(pk):
    return f"/api/v1/digital-resources/{pk}/download/"


def page_download(pk):
    return f"/resources/{pk}/download/"


@pytest.mark.django_db
def test_a_public_download_streams_the_file_with_its_name_and_is_recorded(api_client):
    data = "预防为主，健康生活。\n".encode()
    resource = stored_resource(data=data)
    response = api_client.get(api_download(resource.pk), REMOTE_ADDR="203.0.113.77")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"] == 'attachment; filename="leaflet.txt"'
    assert response["Content-Type"] == "text/plain"
    event = DownloadEvent.objects.get()
    assert event.resource == resource and event.channel == "api"
    assert event.client_network == "203.0.113.0/24"
    assert event.user is None and event.province_code == ""
    assert event.created_at <= timezone.now() and event.event_key
    resource.refresh_from_db()
    assert resource.download_count == 1


@pytest.mark.django_db
def test_a_chinese_file_name_is_kept_in_content_disposition(client):
    resource = stored_resource()
    DigitalResource.objects.filter(pk=resource.pk).update(original_filename="健康海报.txt")
    response = client.get(page_download(resource.pk))
    assert (
        "filename*=utf-8''%E5%81%A5%E5%BA%B7%E6%B5%B7%E6%8A%A5.txt"
        in response["Content-Disposition"]
    )


@pytest.mark.django_db
def test_member_only_resources_refuse_anonymous_api_downloads_with_401(api_client):
    resource = stored_resource(access=ResourceAccess.MEMBERS)
    response = api_client.get(api_download(resource.pk))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert DownloadEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_token_of_facility_staff_downloads_a_member_resource(api_client):
    resource = stored_resource(access=ResourceAccess.MEMBERS)
    user = facility_staff()
    token = Token.objects.create(user=user)
    response = api_client.get(
        api_download(resource.pk),
        HTTP_AUTHORIZATION=f"Token {token.key}",
        REMOTE_ADDR="2001:db8:abcd:12::1",
    )
    assert response.status_code == 200
    event = DownloadEvent.objects.get()
    facility = user.memberships.get().facility
    assert event.user == user and event.facility == facility
    assert event.region_id == facility.region_id and event.province_code == "230000"
    assert event.client_network == "2001:db8:abcd::/48"


@pytest.mark.django_db
def test_a_signed_in_user_without_a_facility_gets_404_for_member_resources(api_client):
    resource = stored_resource(access=ResourceAccess.MEMBERS)
    api_client.force_login(factories.UserFactory())  # a session: the download is a plain view
    assert api_client.get(api_download(resource.pk)).status_code == 404


@pytest.mark.django_db
def test_withdrawn_and_unknown_resources_are_404(api_client, admin_user):
    resource = stored_resource()
    services.withdraw_resource(resource=resource, by=admin_user)
    assert api_client.get(api_download(resource.pk)).status_code == 404
    assert api_client.get(api_download(999999)).status_code == 404
    assert api_client.get("/api/v1/digital-resources/abc/download/").status_code == 404
    assert DownloadEvent.objects.count() == 0


@pytest.mark.django_db
def test_pages_send_anonymous_visitors_of_member_resources_to_sign_in(client):
    resource = stored_resource(access=ResourceAccess.MEMBERS)
    for url in (f"/resources/{resource.pk}/", page_download(resource.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    client.force_login(facility_staff())
    response = client.get(page_download(resource.pk))
    assert response.status_code == 200
    assert DownloadEvent.objects.get().channel == "web"


@pytest.mark.django_db
def test_previewing_a_file_is_not_a_download(client):
    resource = stored_resource()
    response = client.get(f"/resources/{resource.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")  # text is not previewed
    pdf = stored_resource(data=digital_support.pdf_bytes())
    DigitalResource.objects.filter(pk=pdf.pk).update(content_type="application/pdf")
    response = client.get(f"/resources/{pdf.pk}/file/")
    assert response["Content-Disposition"].startswith("inline")
    assert DownloadEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_task_delivered_twice_counts_once():
    resource = stored_resource()
    event = {
        "resource_id": resource.pk,
        "channel": "api",
        "at": timezone.now().isoformat(),
        "event_key": "8f0c1c44-5c1e-4c3b-9d56-0d6f6f0e2a11",
    }
    assert services.record_download(**event) is True
    assert services.record_download(**event) is False
    resource.refresh_from_db()
    assert DownloadEvent.objects.count() == 1 and resource.download_count == 1


@pytest.mark.django_db
def test_roll_up_counts_per_resource_local_day_and_province():
    poster, video = stored_resource(), stored_resource()
    # 23:30 and 00:30 in Shanghai: two local days, though one UTC day.
    late = datetime.datetime(2024, 3, 1, 15, 30, tzinfo=datetime.UTC)
    early_next = datetime.datetime(2024, 3, 1, 16, 30, tzinfo=datetime.UTC)
    for at, resource, province in [
        (late, poster, "230000"),
        (late, poster, "230000"),
        (late, poster, ""),
        (early_next, poster, "230000"),
        (early_next, video, "440000"),
    ]:
        DownloadEvent.objects.create(
            resource=resource, channel="web", created_at=at, province_code=province
        )
    assert services.roll_up_downloads() == 5
    daily = {
        (row.resource_id, row.date.isoformat(), row.province_code): row.count
        for row in DownloadDaily.objects.all()
    }
    assert daily == {
        (poster.pk, "2024-03-01", "230000"): 2,
        (poster.pk, "2024-03-01", ""): 1,
        (poster.pk, "2024-03-02", "230000"): 1,
        (video.pk, "2024-03-02", "440000"): 1,
    }
    assert not DownloadEvent.objects.filter(rolled_up=False).exists()
    assert services.roll_up_downloads() == 0  # nothing counted twice
    DownloadEvent.objects.create(
        resource=poster, channel="api", created_at=late, province_code="230000"
    )
    services.roll_up_downloads()
    assert (
        DownloadDaily.objects.get(resource=poster, date="2024-03-01", province_code="230000").count
        == 3
    )


@pytest.mark.django_db
def test_the_beat_schedule_names_the_roll_up_and_drain_tasks(settings):
    import resources.tasks  # noqa: F401 - what the worker's autodiscovery imports
    from config.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["roll-up-downloads"]["task"] in app.tasks
    assert schedule["drain-download-events"]["task"] in app.tasks
    # Queued downloads wait for the next drain: a few seconds at most.
    assert schedule["drain-download-events"]["schedule"] <= 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_roll_ups_never_count_an_event_twice():
    resource = stored_resource()
    at = timezone.now()
    DownloadEvent.objects.bulk_create(
        DownloadEvent(resource=resource, channel="api", created_at=at, province_code="230000")
        for _ in range(3000)
    )
    barrier = threading.Barrier(4)
    done = []

    def roll_up():
        try:
            barrier.wait()
            done.append(services.roll_up_downloads(batch_size=250))
        finally:
            connection.close()

    threads = [threading.Thread(target=roll_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(done) == 3000
    assert DownloadDaily.objects.get().count == 3000


@pytest.mark.django_db
def test_head_requests_are_answered_but_not_counted(api_client):
    resource = stored_resource()
    assert api_client.head(api_download(resource.pk)).status_code == 200
    assert DownloadEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_download_lane_keeps_the_language_and_the_security_headers(client):
    missing = api_download(987654)
    english = client.get(missing, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(missing, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.status_code == chinese.status_code == 404
    assert english.json()["detail"] == "Not found."
    assert chinese.json()["detail"] != "Not found."
    assert english["Content-Language"] == "en"
    assert english["X-Content-Type-Options"] == "nosniff"
    assert english["Cache-Control"] == "private, no-store"
    # The rest of the site still goes through the whole stack.
    assert "Content-Security-Policy" in client.get("/").headers
