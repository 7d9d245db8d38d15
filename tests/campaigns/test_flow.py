"""Registration → approval → participation → flag, end to end through the REST API."""

import datetime

import pytest
from django.core import mail
from rest_framework.test import APIClient

from events.models import ActivityKind
from tests import factories


def token_client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def sign_in(username, password):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return token_client(response.json()["token"])


@pytest.mark.django_db
def test_registration_approval_participation_and_flag_through_the_api(
    django_capture_on_commit_callbacks,
):
    province, prefecture, county = factories.region_tree("230000", "黑龙江省")
    factories.CoordinatorFactory(province=province, user__username="hlj-coordinator")
    factories.AdminFactory(username="centre")
    campaign = factories.CampaignFactory(slug="health-2022", title="践行二十大 健康享未来")
    ceremony = factories.ActivityFactory(
        campaign=campaign,
        facility=factories.FacilityFactory(region=prefecture),
        kind=ActivityKind.LAUNCH_CEREMONY,
        title="启动仪式",
        starts_at=datetime.datetime(2022, 8, 26, 9, 30, tzinfo=datetime.UTC),
    )

    # 1. A newcomer creates an account and gets a token.
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": "heihe-staff", "password": "Kepu-2022-heihe!", "email": "hh@example.org"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id", "username", "token"}
    staff = token_client(response.json()["token"])

    # 2. They register their facility; it is pending and they are its manager.
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/api/v1/facilities/",
            {
                "name": "黑河市流动科技馆",
                "kind": "mobile_museum",
                "region": county.code,
                "address": "黑河市爱辉区 1 号",
                "contact_name": "王五",
                "contact_phone": "13900000000",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    facility = response.json()
    assert facility["status"] == "pending"
    assert facility["province"] == "230000"
    assert facility["level"] == "county"
    assert facility["contact_phone"] == "13900000000"
    me = staff.get("/api/v1/auth/me/").json()
    assert me["facilities"] == [{"id": facility["id"], "role": "manager"}]
    assert me["is_admin"] is False and me["coordinator_of"] == []
    # The reviewers of the province hear about it.
    assert {m.to[0] for m in mail.outbox} == {
        "hlj-coordinator@example.org",
        "centre@example.org",
    }
    mail.outbox.clear()

    # It cannot apply before approval, and the public cannot see it.
    apply_url = f"/api/v1/campaigns/{campaign.slug}/participations/"
    assert staff.post(apply_url, {"facility": facility["id"]}, format="json").status_code == 409
    assert APIClient().get(f"/api/v1/facilities/{facility['id']}/").status_code == 404

    # 3. The coordinator of Heilongjiang approves it; the manager is told by mail.
    coordinator = sign_in("hlj-coordinator", "correct-horse-battery")
    assert coordinator.get("/api/v1/auth/me/").json()["coordinator_of"] == ["230000"]
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(
            f"/api/v1/facilities/{facility['id']}/approve/", {"note": "欢迎"}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decision_note"] == "欢迎"
    assert response.json()["decided_at"]
    assert [m.to for m in mail.outbox] == [["hh@example.org"]]
    assert APIClient().get(f"/api/v1/facilities/{facility['id']}/").status_code == 200

    # 4. The facility applies to the campaign.
    response = staff.post(apply_url, {"facility": facility["id"]}, format="json")
    assert response.status_code == 201, response.content
    participation = response.json()
    assert participation["status"] == "applied"
    assert participation["flag_awarded_at"] is None

    # 5. The national administrator approves the participation ...
    centre = sign_in("centre", "correct-horse-battery")
    assert centre.get("/api/v1/auth/me/").json()["is_admin"] is True
    response = centre.post(f"/api/v1/participations/{participation['id']}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"

    # 6. ... and awards the joint-action flag at the launch ceremony.
    response = centre.post(
        f"/api/v1/participations/{participation['id']}/award-flag/",
        {"ceremony": ceremony.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["flag_ceremony"] == ceremony.pk
    assert response.json()["flag_awarded_at"].startswith("2022-08-26T17:30:00+08:00")
    # A second award is refused.
    response = centre.post(f"/api/v1/participations/{participation['id']}/award-flag/")
    assert response.status_code == 409

    # 7. The public sees the participant and the flag.
    public = APIClient()
    rows = public.get(f"{apply_url}?flag_awarded=true").json()["results"]
    assert [(row["facility"], row["status"]) for row in rows] == [(facility["id"], "approved")]
    rows = public.get(f"/api/v1/facilities/?campaign={campaign.pk}").json()["results"]
    assert [row["id"] for row in rows] == [facility["id"]]
    assert "contact_phone" not in rows[0]
