"""PATCH /api/v1/digital-resources/{id}/: administrators change, withdraw, republish and
replace files through the publishing services; everyone else is refused."""

import hashlib

import pytest
from rest_framework.test import APIClient

from resources.models import DigitalResource, ResourceAccess, ResourceStatus
from tests import factories
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, pdf_bytes, stored_resource, upload

media_root = digital_support.media_root
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def detail(resource):
    return f"/api/v1/digital-resources/{resource.pk}/"


@pytest.fixture
def admin_api(admin_user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(admin_user)
    return client


def test_an_administrator_changes_the_metadata(admin_api):
    resource = stored_resource()
    category = factories.CategoryFactory(slug="health")
    campaign = factories.CampaignFactory()
    before = resource.updated_at
    response = admin_api.patch(
        detail(resource),
        {
            "title": "Healthy living",
            "description": "A leaflet",
            "category": "health",
            "campaign": campaign.pk,
            "access": "members",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["category"], body["campaign"], body["access"]) == (
        "Healthy living",
        "health",
        campaign.pk,
        "members",
    )
    resource.refresh_from_db()
    assert resource.category == category and resource.access == ResourceAccess.MEMBERS
    assert resource.description == "A leaflet"
    assert resource.updated_at > before
    assert resource.sha256 == hashlib.sha256(b"hello science").hexdigest()  # file untouched


def test_withdraw_and_republish_by_status(admin_api, api_client):
    resource = stored_resource()
    response = admin_api.patch(detail(resource), {"status": "withdrawn"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert DigitalResource.objects.get(pk=resource.pk).withdrawn_at is not None
    assert api_client.get(detail(resource) + "download/").status_code == 404

    again = admin_api.patch(detail(resource), {"status": "withdrawn"}, format="json")
    assert again.status_code == 200  # already withdrawn: nothing to do

    response = admin_api.patch(detail(resource), {"status": "published"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert api_client.get(detail(resource) + "download/").status_code == 200


def test_a_new_file_replaces_the_file_and_its_checksum(
    admin_api, media_root, django_capture_on_commit_callbacks
):
    resource = stored_resource()
    old_name = resource.file.name
    data = pdf_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.patch(
            detail(resource), {"file": upload("guide.pdf", data)}, format="multipart"
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["file_size"], body["content_type"]) == (len(data), "application/pdf")
    resource.refresh_from_db()
    assert resource.file.read() == data
    assert not (media_root / old_name).exists()  # the replaced file left storage


def test_a_file_the_format_does_not_accept_is_a_400_and_changes_nothing(admin_api):
    resource = stored_resource()
    response = admin_api.patch(
        detail(resource),
        {"title": "Changed", "format": "video", "file": upload("clip.mp4", b"plain text")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    resource.refresh_from_db()
    assert resource.title != "Changed" and resource.content_type == "text/plain"


def test_an_unknown_status_is_a_400(admin_api):
    response = admin_api.patch(detail(stored_resource()), {"status": "deleted"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


def test_only_administrators_change_resources(api_client):
    resource = stored_resource()
    members_only = stored_resource(access=ResourceAccess.MEMBERS)
    assert api_client.patch(detail(resource), {"title": "x"}, format="json").status_code == 401

    for user in (facility_staff(), factories.CoordinatorFactory().user):
        api_client.force_authenticate(user)
        response = api_client.patch(detail(resource), {"status": "withdrawn"}, format="json")
        assert response.status_code == 403

    # Someone who cannot even see a member-only resource learns nothing about it.
    api_client.force_authenticate(factories.UserFactory())
    assert api_client.patch(detail(members_only), {"title": "x"}, format="json").status_code == 404
    assert DigitalResource.objects.get(pk=resource.pk).status == ResourceStatus.PUBLISHED


def test_the_schema_documents_the_patch(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/digital-resources/{id}/"]["patch"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    component = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][component.rsplit("/", 1)[1]]["properties"]
    assert {"title", "description", "category", "campaign", "access", "status", "file"} <= set(
        fields
    )
