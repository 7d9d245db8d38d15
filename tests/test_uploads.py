"""Upload limits that hold at every door, beyond the per-feature checks."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.models import Campaign
from tests import factories


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_request_body_above_the_global_limit_is_refused_before_it_is_read(client, settings):
    settings.MAX_REQUEST_SIZE = 1024
    response = client.post(
        "/api/v1/auth/token/",
        data=b"x" * 4096,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.django_db
def test_campaign_banner_must_be_a_real_image(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    fields = {"slug": "banner-test", "title": "T", "starts_on": "2022-08-26", "status": "draft"}
    fake = SimpleUploadedFile("banner.png", b"not an image at all", content_type="image/png")
    response = api_client.post("/api/v1/campaigns/", {**fields, "banner": fake}, format="multipart")
    assert response.status_code == 400
    assert "banner" in response.json()
    assert not Campaign.objects.filter(slug="banner-test").exists()

    real = SimpleUploadedFile("banner.png", png_bytes(), content_type="image/png")
    response = api_client.post("/api/v1/campaigns/", {**fields, "banner": real}, format="multipart")
    assert response.status_code == 201, response.content
    assert Campaign.objects.get(slug="banner-test").banner


@pytest.mark.django_db
def test_oversized_kit_photo_is_refused_by_the_admin_form(client, admin_user, settings):
    settings.PHOTO_MAX_UPLOAD_SIZE = len(png_bytes()) - 1
    client.force_login(admin_user)
    kit = factories.KitFactory()
    response = client.post(
        f"/admin/resources/kit/{kit.pk}/change/",
        {
            "code": kit.code,
            "name": kit.name,
            "quantity_total": kit.quantity_total,
            "photo": SimpleUploadedFile("kit.png", png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 200  # the form comes back with its error
    assert "photo" in response.context["adminform"].form.errors
    kit.refresh_from_db()
    assert not kit.photo
