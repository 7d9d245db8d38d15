"""Publishing digital resources through the API and the admin (local media, tasks in-process)."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from resources.models import DigitalResource, DownloadDaily, DownloadEvent, ResourceStatus
from resources.services import digital as services
from tests import factories
from tests.resources import digital_support
from tests.resources.digital_support import (
    facility_staff,
    jpeg_bytes,
    mp4_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)

media_root = digital_support.media_root
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST_URL = "/api/v1/digital-resources/"


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def post_resource(client, **fields):
    data = {"title": "健康生活方式海报", "format": "image", "access": "public", **fields}
    return client.post(LIST_URL, data, format="multipart")


def test_upload_computes_size_checksum_type_and_the_worker_thumbnails_it(
    admin_client, django_capture_on_commit_callbacks
):
    category = factories.CategoryFactory(slug="posters")
    campaign = factories.CampaignFactory()
    data = png_bytes((1200, 900))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_resource(
            admin_client,
            file=upload("海报.jpg", data, "image/jpeg"),
            description="预防为主",
            category="posters",
            campaign=campaign.pk,
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["content_type"] == "image/png"  # sniffed, not the name or the claimed type
    assert body["file_name"] == "海报.jpg"
    assert body["category"] == "posters" and body["campaign"] == campaign.pk
    assert body["status"] == "published" and body["published_at"]
    assert body["download_url"].endswith(f"/api/v1/digital-resources/{body['id']}/download/")
    resource = DigitalResource.objects.get(pk=body["id"])
    assert resource.category == category
    with resource.file.open("rb") as handle:
        assert handle.read() == data
    with resource.thumbnail.open("rb") as handle, Image.open(handle) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 480


def test_a_file_that_is_not_its_format_is_refused_and_nothing_is_stored(admin_client, media_root):
    response = post_resource(
        admin_client, format="video", file=upload("film.mp4", pdf_bytes(), "video/mp4")
    )
    assert response.status_code == 400
    assert "application/pdf" in response.json()["file"][0]
    assert DigitalResource.objects.count() == 0
    assert stored_files(media_root) == []


def test_an_upload_over_the_limit_is_413_and_nothing_is_stored(admin_client, settings, media_root):
    settings.RESOURCE_MAX_UPLOAD_SIZE = 1000
    response = post_resource(admin_client, file=upload("big.png", png_bytes()))
    assert response.status_code == 413
    assert response.json()["detail"]
    assert DigitalResource.objects.count() == 0
    assert stored_files(media_root) == []


def test_only_national_administrators_upload(api_client):
    response = post_resource(api_client, file=upload("a.png", png_bytes()))
    assert response.status_code == 401
    api_client.force_authenticate(facility_staff())
    response = post_resource(api_client, file=upload("a.png", png_bytes()))
    assert response.status_code == 403
    assert DigitalResource.objects.count() == 0


def test_bad_fields_are_field_errors(admin_client):
    response = post_resource(
        admin_client, format="hologram", category="nope", file=upload("a.png", png_bytes())
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"format", "category"}


def test_a_video_gets_its_thumbnail_from_the_cover(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_resource(
            admin_client,
            format="video",
            file=upload("show.mp4", mp4_bytes()),
            cover=upload("cover.jpg", jpeg_bytes()),
        )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "video/mp4"
    detail = admin_client.get(f"{LIST_URL}{response.json()['id']}/").json()
    assert detail["thumbnail_url"].startswith("http://testserver/media/resources/thumbnails/")


def test_a_cover_that_is_not_an_image_is_a_cover_error(admin_client, media_root):
    response = post_resource(
        admin_client,
        format="video",
        file=upload("show.mp4", mp4_bytes()),
        cover=upload("cover.jpg", pdf_bytes()),
    )
    assert response.status_code == 400
    assert "cover" in response.json()
    assert stored_files(media_root) == []


def test_withdrawing_keeps_the_record_and_cannot_happen_twice(admin_user):
    resource = services.publish_resource(
        by=admin_user, file=upload("a.pdf", pdf_bytes()), title="指南", resource_format="document"
    )
    before = resource.updated_at
    services.withdraw_resource(resource=resource, by=admin_user)
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.WITHDRAWN and resource.withdrawn_at
    assert resource.updated_at > before
    assert resource.file and resource.sha256
    with pytest.raises(services.InvalidTransition):
        services.withdraw_resource(resource=resource, by=admin_user)
    services.republish_resource(resource=resource, by=admin_user)
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.PUBLISHED and resource.withdrawn_at is None


def test_replacing_the_file_recomputes_everything_and_removes_the_old_file(
    admin_user, media_root, django_capture_on_commit_callbacks
):
    resource = services.publish_resource(
        by=admin_user, file=upload("a.pdf", pdf_bytes()), title="指南", resource_format="document"
    )
    old_name = resource.file.name
    new_data = "第二版\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_resource(
            resource=resource, by=admin_user, file=upload("b.txt", new_data), title="指南（第二版）"
        )
    resource.refresh_from_db()
    assert resource.title == "指南（第二版）"
    assert resource.content_type == "text/plain" and resource.file_size == len(new_data)
    assert resource.sha256 == hashlib.sha256(new_data).hexdigest()
    assert old_name not in stored_files(media_root)


def test_changing_the_format_must_still_match_the_file(admin_user):
    resource = services.publish_resource(
        by=admin_user, file=upload("a.pdf", pdf_bytes()), title="指南", resource_format="document"
    )
    with pytest.raises(services.BadRequest):
        services.update_resource(resource=resource, by=admin_user, resource_format="video")
    services.update_resource(resource=resource, by=admin_user, resource_format="courseware")
    resource.refresh_from_db()
    assert resource.format == "courseware"


def test_the_admin_publishes_through_the_service(
    client, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    url = reverse("admin:resources_digitalresource_add")
    data = png_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "title": "健康海报",
                "description": "",
                "format": "image",
                "access": "members",
                "file": upload("poster.png", data),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    resource = DigitalResource.objects.get()
    assert resource.sha256 == hashlib.sha256(data).hexdigest()
    assert resource.created_by == admin_user and resource.published_at
    assert resource.thumbnail


def test_the_admin_shows_a_mismatch_next_to_the_file(client, admin_user, media_root):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:resources_digitalresource_add"),
        {"title": "x", "format": "audio", "access": "public", "file": upload("a.mp3", png_bytes())},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"]
    assert DigitalResource.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_admin_withdraw_action(client, admin_user):
    resource = services.publish_resource(
        by=admin_user, file=upload("a.pdf", pdf_bytes()), title="指南", resource_format="document"
    )
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:resources_digitalresource_changelist"),
        {"action": "withdraw_selected", "_selected_action": [resource.pk]},
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == ResourceStatus.WITHDRAWN


def test_the_admin_makes_the_thumbnails_again(
    client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resource = services.publish_resource(
            by=admin_user, file=upload("a.png", png_bytes()), title="海报", resource_format="image"
        )
    first = DigitalResource.objects.get(pk=resource.pk).thumbnail.name
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:resources_digitalresource_changelist"),
            {"action": "regenerate_thumbnails", "_selected_action": [resource.pk]},
        )
    assert response.status_code == 302
    again = DigitalResource.objects.get(pk=resource.pk).thumbnail.name
    assert first and again and again != first


@pytest.mark.parametrize(
    "model", ["digitalresource", "downloadevent", "downloaddaily"], ids=lambda name: name
)
def test_admin_changelists_cost_the_same_queries_for_3_and_30_rows(client, admin_user, model):
    client.force_login(admin_user)
    counts = []
    for size in (3, 30):
        DigitalResource.objects.all().delete()
        for n in range(size):
            resource = DigitalResource.objects.create(
                title=f"资源{n}",
                format="document",
                file=f"resources/files/x/{n}.txt",
                category=factories.CategoryFactory(),
                campaign=factories.CampaignFactory(),
                published_at=timezone.now(),
            )
            DownloadEvent.objects.create(
                resource=resource,
                channel="web",
                created_at=timezone.now(),
                facility=factories.FacilityFactory(),
            )
            DownloadDaily.objects.create(resource=resource, date=timezone.localdate(), count=n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(f"admin:resources_{model}_changelist"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
