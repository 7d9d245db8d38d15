"""Campaigns through the API: the public list and detail, administrators' edits, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.models import Campaign
from tests import factories
from tests.facilities.world import client_for


@pytest.mark.django_db
def test_public_list_and_detail(api_client):
    active = factories.CampaignFactory(slug="health-2022", title="践行二十大 健康享未来")
    factories.CampaignFactory(slug="old", status="closed")
    factories.CampaignFactory(slug="draft", status="draft")
    body = api_client.get("/api/v1/campaigns/").json()
    assert {row["slug"] for row in body["results"]} == {"health-2022", "old"}
    detail = api_client.get("/api/v1/campaigns/health-2022/").json()
    assert {"id", "slug", "title", "theme", "host", "starts_on", "ends_on", "status"} <= set(detail)
    assert detail["id"] == active.pk and detail["starts_on"] == "2022-08-26"
    assert detail["banner_url"] is None
    assert api_client.get("/api/v1/campaigns/?status=closed").json()["count"] == 1
    assert api_client.get("/api/v1/campaigns/?q=践行").json()["count"] == 1


@pytest.mark.django_db
def test_only_administrators_create_and_edit(world, api_client):
    payload = {
        "slug": "joint-2023",
        "title": "2023 联合行动",
        "starts_on": "2023-08-01",
        "ends_on": "2023-12-31",
        "status": "draft",
    }
    assert api_client.post("/api/v1/campaigns/", payload, format="json").status_code == 401
    staff = client_for(api_client, world.staff_a)
    assert staff.post("/api/v1/campaigns/", payload, format="json").status_code == 403
    admin = client_for(APIClient(), world.admin)
    response = admin.post("/api/v1/campaigns/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    response = admin.patch(
        "/api/v1/campaigns/joint-2023/", {"ends_on": "2023-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert Campaign.objects.get(slug="joint-2023").ends_on.isoformat() == "2023-12-31"
    response = admin.patch("/api/v1/campaigns/joint-2023/", {"status": "active"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert (
        staff.patch(
            "/api/v1/campaigns/joint-2023/", {"status": "closed"}, format="json"
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_campaign_list_runs_a_constant_number_of_queries(api_client):
    def measure(total):
        while Campaign.objects.count() < total:
            factories.CampaignFactory()
        with CaptureQueriesContext(connection) as queries:
            assert (
                len(api_client.get("/api/v1/campaigns/?page_size=500").json()["results"]) == total
            )
        return len(queries)

    assert measure(3) == measure(30)
