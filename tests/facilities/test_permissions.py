"""The permission matrix of the facilities API: every role against every action.

Facility A is pending in 黑龙江省 (23); facility B is approved in 北京市 (11). A facility never
sees another's private data, and objects outside a user's scope answer 404, not 403.
"""

import pytest

from facilities.models import Facility, FacilityStatus
from tests.facilities.world import ROLES, client_for

# role -> expected status, one table per action
RETRIEVE_PENDING_A = dict(
    anonymous=404, staff_a=200, staff_b=404, coordinator_a=200, coordinator_other=404, admin=200
)
PATCH_PENDING_A = dict(
    anonymous=401, staff_a=200, staff_b=404, coordinator_a=403, coordinator_other=404, admin=200
)
DECIDE_PENDING_A = dict(
    anonymous=401, staff_a=403, staff_b=404, coordinator_a=200, coordinator_other=404, admin=200
)
REGISTER = dict(
    anonymous=401, staff_a=403, staff_b=403, coordinator_a=201, coordinator_other=201, admin=201
)
RETRIEVE_APPROVED_B = dict(
    anonymous=200, staff_a=200, staff_b=200, coordinator_a=200, coordinator_other=200, admin=200
)
PATCH_APPROVED_B = dict(
    anonymous=401, staff_a=403, staff_b=200, coordinator_a=403, coordinator_other=403, admin=200
)
# B is approved already: those who may decide get 409, the others 403.
APPROVE_APPROVED_B = dict(
    anonymous=401, staff_a=403, staff_b=403, coordinator_a=403, coordinator_other=409, admin=409
)
# Who sees B's contacts: its staff, the coordinator of its province, administrators.
SEES_PRIVATE_B = dict(
    anonymous=False,
    staff_a=False,
    staff_b=True,
    coordinator_a=False,
    coordinator_other=True,
    admin=True,
)
# Which facility ids the list shows (A is pending).
LIST_SHOWS = dict(
    anonymous={"b"},
    staff_a={"a", "b"},
    staff_b={"b"},
    coordinator_a={"a", "b"},
    coordinator_other={"b"},
    admin={"a", "b"},
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
class TestFacilityPermissions:
    def test_retrieve_pending_facility(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.get(f"/api/v1/facilities/{world.facility_a.pk}/")
        assert response.status_code == RETRIEVE_PENDING_A[role], response.content

    def test_patch_pending_facility(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.patch(
            f"/api/v1/facilities/{world.facility_a.pk}/",
            {"contact_phone": "13912345678"},
            format="json",
        )
        assert response.status_code == PATCH_PENDING_A[role], response.content
        world.facility_a.refresh_from_db()
        changed = world.facility_a.contact_phone == "13912345678"
        assert changed == (response.status_code == 200)

    @pytest.mark.parametrize("decision", ["approve", "suspend"])
    def test_decide_on_pending_facility(self, world, api_client, role, decision):
        client = client_for(api_client, world.user(role))
        response = client.post(f"/api/v1/facilities/{world.facility_a.pk}/{decision}/")
        assert response.status_code == DECIDE_PENDING_A[role], response.content
        world.facility_a.refresh_from_db()
        expected = {"approve": FacilityStatus.APPROVED, "suspend": FacilityStatus.SUSPENDED}
        if response.status_code == 200:
            assert world.facility_a.status == expected[decision]
            assert world.facility_a.decided_by == world.user(role)
        else:
            assert world.facility_a.status == FacilityStatus.PENDING
            assert world.facility_a.decided_at is None

    def test_register_facility(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        before = Facility.objects.count()
        response = client.post(
            "/api/v1/facilities/",
            {"name": "新的科普大篷车", "kind": "caravan", "region": world.county_a.code},
            format="json",
        )
        assert response.status_code == REGISTER[role], response.content
        assert Facility.objects.count() == before + (1 if response.status_code == 201 else 0)

    def test_retrieve_approved_facility_of_another(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.get(f"/api/v1/facilities/{world.facility_b.pk}/")
        assert response.status_code == RETRIEVE_APPROVED_B[role]
        body = response.json()
        assert body["name"] == world.facility_b.name
        sees_private = "contact_phone" in body
        assert sees_private == SEES_PRIVATE_B[role]
        if sees_private:
            assert body["contact_phone"] == world.facility_b.contact_phone

    def test_patch_approved_facility(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.patch(
            f"/api/v1/facilities/{world.facility_b.pk}/",
            {"address": "新地址 8 号"},
            format="json",
        )
        assert response.status_code == PATCH_APPROVED_B[role], response.content

    def test_approve_already_approved_facility(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.post(f"/api/v1/facilities/{world.facility_b.pk}/approve/")
        assert response.status_code == APPROVE_APPROVED_B[role], response.content

    def test_list_shows_only_what_the_role_may_see(self, world, api_client, role):
        client = client_for(api_client, world.user(role))
        response = client.get("/api/v1/facilities/")
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        names = {"a": world.facility_a.pk, "b": world.facility_b.pk}
        assert ids == {names[key] for key in LIST_SHOWS[role]}
        for row in response.json()["results"]:
            if row["id"] == world.facility_b.pk:
                assert ("contact_phone" in row) == SEES_PRIVATE_B[role]


@pytest.mark.django_db
def test_staff_cannot_rename_an_approved_facility_but_can_update_contacts(world, api_client):
    client = client_for(api_client, world.staff_b)
    url = f"/api/v1/facilities/{world.facility_b.pk}/"
    response = client.patch(url, {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    response = client.patch(url, {"contact_name": "李四"}, format="json")
    assert response.status_code == 200
    assert response.json()["contact_name"] == "李四"


@pytest.mark.django_db
def test_status_cannot_be_patched(world, api_client):
    client = client_for(api_client, world.staff_a)
    response = client.patch(
        f"/api/v1/facilities/{world.facility_a.pk}/", {"status": "approved"}, format="json"
    )
    assert response.status_code == 200
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.PENDING
