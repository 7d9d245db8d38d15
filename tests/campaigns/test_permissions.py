"""The permission matrix of participations through the API: every role against every action.

Both facilities are approved. Facility A (黑龙江省) has applied to the campaign (`applied`);
facility B (北京市) takes part (`approved`). Administrators decide on participation and flags.
"""

import pytest

from campaigns.models import Participation, ParticipationStatus
from tests import factories
from tests.facilities.world import ROLES, client_for

SEES_APPLIED_A = dict(
    anonymous=False,
    staff_a=True,
    staff_b=False,
    coordinator_a=True,
    coordinator_other=False,
    admin=True,
)
RETRIEVE_APPLIED_A = dict(
    anonymous=404, staff_a=200, staff_b=404, coordinator_a=200, coordinator_other=404, admin=200
)
APPLY_FOR_A = dict(
    anonymous=401, staff_a=201, staff_b=403, coordinator_a=403, coordinator_other=403, admin=201
)
APPROVE_APPLIED_A = dict(
    anonymous=401, staff_a=403, staff_b=404, coordinator_a=403, coordinator_other=404, admin=200
)
AWARD_FLAG_APPROVED_B = dict(
    anonymous=401, staff_a=403, staff_b=403, coordinator_a=403, coordinator_other=403, admin=200
)
WITHDRAW_APPLIED_A = dict(
    anonymous=401, staff_a=200, staff_b=404, coordinator_a=403, coordinator_other=404, admin=200
)


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory(slug="health-2022")


@pytest.fixture
def participations(world, campaign):
    applied_a = factories.ParticipationFactory(
        campaign=campaign, facility=world.facility_a, status=ParticipationStatus.APPLIED
    )
    approved_b = factories.ParticipationFactory(
        campaign=campaign, facility=world.facility_b, status=ParticipationStatus.APPROVED
    )
    return applied_a, approved_b


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
class TestParticipationPermissions:
    def test_list_of_a_campaign(self, world, campaign, participations, api_client, role):
        applied_a, approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.get(f"/api/v1/campaigns/{campaign.slug}/participations/")
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert approved_b.pk in ids
        assert (applied_a.pk in ids) == SEES_APPLIED_A[role]

    def test_global_list(self, world, campaign, participations, api_client, role):
        applied_a, approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.get("/api/v1/participations/")
        ids = {row["id"] for row in response.json()["results"]}
        assert approved_b.pk in ids
        assert (applied_a.pk in ids) == SEES_APPLIED_A[role]

    def test_retrieve_application(self, world, participations, api_client, role):
        applied_a, _approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.get(f"/api/v1/participations/{applied_a.pk}/")
        assert response.status_code == RETRIEVE_APPLIED_A[role]

    def test_apply(self, world, campaign, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.post(
            f"/api/v1/campaigns/{campaign.slug}/participations/",
            {"facility": world.facility_a.pk},
            format="json",
        )
        assert response.status_code == APPLY_FOR_A[role], response.content
        exists = Participation.objects.filter(campaign=campaign, facility=world.facility_a)
        assert exists.exists() == (response.status_code == 201)
        if response.status_code == 201:
            assert response.json()["status"] == "applied"

    def test_approve(self, world, participations, api_client, role):
        applied_a, _approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.post(f"/api/v1/participations/{applied_a.pk}/approve/")
        assert response.status_code == APPROVE_APPLIED_A[role], response.content
        applied_a.refresh_from_db()
        expected = "approved" if response.status_code == 200 else "applied"
        assert applied_a.status == expected

    def test_award_flag(self, world, participations, api_client, role):
        _applied_a, approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.post(f"/api/v1/participations/{approved_b.pk}/award-flag/")
        assert response.status_code == AWARD_FLAG_APPROVED_B[role], response.content
        approved_b.refresh_from_db()
        assert (approved_b.flag_awarded_at is not None) == (response.status_code == 200)

    def test_withdraw(self, world, participations, api_client, role):
        applied_a, _approved_b = participations
        client = client_for(api_client, world.user(role))
        response = client.post(f"/api/v1/participations/{applied_a.pk}/withdraw/")
        assert response.status_code == WITHDRAW_APPLIED_A[role], response.content


@pytest.mark.django_db
def test_a_facility_cannot_apply_twice(world, campaign, participations, api_client):
    client = client_for(api_client, world.staff_a)
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/participations/",
        {"facility": world.facility_a.pk},
        format="json",
    )
    assert response.status_code == 409


@pytest.mark.django_db
def test_a_pending_facility_cannot_apply(world, campaign, api_client):
    world.facility_a.status = "pending"
    world.facility_a.save()
    client = client_for(api_client, world.staff_a)
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/participations/",
        {"facility": world.facility_a.pk},
        format="json",
    )
    assert response.status_code == 409


@pytest.mark.django_db
def test_applying_for_an_invisible_facility_is_a_field_error_not_a_leak(
    world, campaign, api_client
):
    world.facility_a.status = "pending"
    world.facility_a.save()
    client = client_for(api_client, world.staff_b)
    response = client.post(
        f"/api/v1/campaigns/{campaign.slug}/participations/",
        {"facility": world.facility_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "facility" in response.json()


@pytest.mark.django_db
def test_a_flag_needs_an_approved_participation(world, participations, api_client):
    applied_a, _approved_b = participations
    client = client_for(api_client, world.admin)
    response = client.post(f"/api/v1/participations/{applied_a.pk}/award-flag/")
    assert response.status_code == 409


@pytest.mark.django_db
def test_draft_campaigns_are_hidden_from_everyone_but_administrators(world, api_client):
    draft = factories.CampaignFactory(slug="draft-one", status="draft")
    assert api_client.get(f"/api/v1/campaigns/{draft.slug}/").status_code == 404
    client = client_for(api_client, world.staff_a)
    response = client.post(
        f"/api/v1/campaigns/{draft.slug}/participations/",
        {"facility": world.facility_a.pk},
        format="json",
    )
    assert response.status_code == 404
    client = client_for(api_client, world.admin)
    assert client.get(f"/api/v1/campaigns/{draft.slug}/").status_code == 200
