"""The kits and kit-requests API exactly as API.md, scoped by role."""

import pytest
from rest_framework.test import APIClient

from resources.models import KitRequest, KitRequestStatus
from tests import factories
from tests.resources.kits_support import (
    build_world,
    request_in_status,
)

S = KitRequestStatus
pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "id",
    "kit",
    "facility",
    "quantity",
    "purpose",
    "status",
    "origin",
    "created_at",
    "approved_at",
    "shipped_at",
    "received_at",
    "carrier",
    "tracking_number",
    "reject_reason",
}


@pytest.fixture
def world():
    return build_world(allotment_a=20)


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(kit_request=None, action=None):
    if kit_request is None:
        return "/api/v1/kit-requests/"
    base = f"/api/v1/kit-requests/{kit_request.pk}/"
    return f"{base}{action}/" if action else base


BODIES = {
    "approve": {},
    "reject": {"reason": "名额已满"},
    "ship": {"carrier": "顺丰速运", "tracking_number": "SF100200300"},
    "receive": {},
    "cancel": {},
}
START = {
    "approve": S.SUBMITTED,
    "reject": S.SUBMITTED,
    "ship": S.APPROVED,
    "receive": S.SHIPPED,
    "cancel": S.APPROVED,
}
RESULT = {
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "ship": S.SHIPPED,
    "receive": S.RECEIVED,
    "cancel": S.CANCELLED,
}

# Expected answer per (role, action) on a request of `world.facility` (province A).
# 404: the request is not visible to the role; 403: visible but not theirs to do.
MATRIX = {
    "staff": {"approve": 403, "reject": 403, "ship": 403, "receive": 200, "cancel": 200},
    "manager": {"approve": 403, "reject": 403, "ship": 403, "receive": 200, "cancel": 200},
    "neighbour_staff": dict.fromkeys(BODIES, 404),
    "faraway_staff": dict.fromkeys(BODIES, 404),
    "coordinator": {"approve": 200, "reject": 200, "ship": 200, "receive": 403, "cancel": 403},
    "other_coordinator": dict.fromkeys(BODIES, 404),
    "admin": {"approve": 200, "reject": 200, "ship": 200, "receive": 403, "cancel": 200},
    "outsider": dict.fromkeys(BODIES, 404),
}


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("action", list(BODIES))
def test_permission_matrix_of_the_actions(world, role, action):
    kit_request = request_in_status(world, START[action])
    response = client_for(world.user(role)).post(
        url(kit_request, action), BODIES[action], format="json"
    )
    expected = MATRIX[role][action]
    assert response.status_code == expected, response.content
    kit_request.refresh_from_db()
    if expected == 200:
        assert response.json()["status"] == kit_request.status == RESULT[action]
    else:
        assert kit_request.status == START[action]


@pytest.mark.parametrize("action", list(BODIES))
def test_anonymous_clients_get_401(world, action):
    kit_request = request_in_status(world, START[action])
    response = client_for(None).post(url(kit_request, action), BODIES[action], format="json")
    assert response.status_code == 401
    assert client_for(None).get(url()).status_code == 401


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("staff", {"own"}),
        ("manager", {"own"}),
        ("neighbour_staff", {"neighbour"}),
        ("faraway_staff", {"faraway"}),
        ("coordinator", {"own", "neighbour"}),
        ("other_coordinator", {"faraway"}),
        ("admin", {"own", "neighbour", "faraway"}),
        ("outsider", set()),
    ],
)
def test_list_and_detail_are_scoped_by_role(world, role, visible):
    requests = {
        "own": request_in_status(world, S.SUBMITTED),
        "neighbour": request_in_status(world, S.SUBMITTED, facility=world.neighbour),
        "faraway": request_in_status(world, S.SUBMITTED, facility=world.faraway),
    }
    client = client_for(world.user(role))
    listed = {item["id"] for item in client.get(url()).json()["results"]}
    assert listed == {requests[name].pk for name in visible}
    for name, kit_request in requests.items():
        assert client.get(url(kit_request)).status_code == (200 if name in visible else 404)


def test_request_fields_and_detail_timeline(world):
    kit_request = request_in_status(world, S.SUBMITTED)
    client = client_for(world.staff)
    item = client.get(url()).json()["results"][0]
    assert REQUEST_FIELDS <= set(item)
    assert item["status"] == "submitted" and item["origin"] == "request"
    detail = client.get(url(kit_request)).json()
    assert detail["transitions"][0]["to_status"] == "submitted"
    assert detail["transitions"][0]["by"] == "staff"


class TestCreate:
    def test_staff_create_a_submitted_request(self, world):
        response = client_for(world.staff).post(
            url(),
            {"kit": world.kit.pk, "facility": world.facility.pk, "quantity": 3, "purpose": "巡展"},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "submitted" and body["quantity"] == 3
        assert KitRequest.objects.get(pk=body["id"]).created_by == world.staff

    def test_another_facility_cannot_be_named(self, world):
        response = client_for(world.staff).post(
            url(),
            {"kit": world.kit.pk, "facility": world.neighbour.pk, "quantity": 1},
            format="json",
        )
        assert response.status_code == 400
        assert "facility" in response.json()
        assert not KitRequest.objects.exists()

    def test_a_pending_facility_cannot_request(self, world):
        world.facility.status = "pending"
        world.facility.save()
        response = client_for(world.staff).post(
            url(),
            {"kit": world.kit.pk, "facility": world.facility.pk, "quantity": 1},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["detail"]

    @pytest.mark.parametrize(
        "body",
        [
            {"quantity": 0},
            {"quantity": -1},
            {"quantity": "many"},
            {"kit": 999999},
            {"kit": None},
            {"facility": "x"},
        ],
    )
    def test_bad_input_is_a_400_with_field_errors(self, world, body):
        data = {"kit": world.kit.pk, "facility": world.facility.pk, "quantity": 1, **body}
        response = client_for(world.staff).post(url(), data, format="json")
        assert response.status_code == 400
        assert set(body) & set(response.json())

    def test_a_coordinator_without_membership_cannot_request(self, world):
        response = client_for(world.coordinator).post(
            url(),
            {"kit": world.kit.pk, "facility": world.facility.pk, "quantity": 1},
            format="json",
        )
        assert response.status_code == 400


class TestErrors:
    def test_not_allowed_transition_is_a_409_naming_the_status(self, world):
        kit_request = request_in_status(world, S.RECEIVED)
        response = client_for(world.admin).post(url(kit_request, "approve"), {}, format="json")
        assert response.status_code == 409
        assert str(S.RECEIVED.label) in response.json()["detail"]

    def test_not_enough_stock_is_a_409_naming_the_available_quantity(self, world):
        kit_request = request_in_status(world, S.SUBMITTED, quantity=20)
        request_in_status(world, S.APPROVED, quantity=13)
        response = client_for(world.admin).post(url(kit_request, "approve"), {}, format="json")
        assert response.status_code == 409
        assert "7" in response.json()["detail"]

    def test_reject_without_reason_is_a_400(self, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        response = client_for(world.admin).post(url(kit_request, "reject"), {}, format="json")
        assert response.status_code == 400
        assert "reason" in response.json()

    def test_ship_without_tracking_number_is_a_400(self, world):
        kit_request = request_in_status(world, S.APPROVED)
        response = client_for(world.admin).post(
            url(kit_request, "ship"), {"carrier": "EMS"}, format="json"
        )
        assert response.status_code == 400
        assert "tracking_number" in response.json()


class TestFilters:
    def test_status_kit_facility_and_campaign(self, world):
        campaign = factories.CampaignFactory()
        other_kit = factories.KitFactory(campaign=campaign)
        submitted = request_in_status(world, S.SUBMITTED)
        approved = request_in_status(world, S.APPROVED)
        other = factories.KitRequestFactory(kit=other_kit, facility=world.neighbour)
        client = client_for(world.admin)

        def ids(query):
            return {item["id"] for item in client.get(url() + query).json()["results"]}

        assert ids("?status=approved") == {approved.pk}
        assert ids(f"?kit={other_kit.pk}") == {other.pk}
        assert ids(f"?facility={world.facility.pk}") == {submitted.pk, approved.pk}
        assert ids(f"?campaign={campaign.pk}") == {other.pk}
        assert client.get(url() + "?status=nonsense").status_code == 400


class TestKits:
    def test_anyone_reads_the_catalogue_with_stock(self, world):
        request_in_status(world, S.APPROVED, quantity=4)
        response = client_for(None).get("/api/v1/kits/")
        assert response.status_code == 200
        item = response.json()["results"][0]
        assert {
            "id",
            "code",
            "name",
            "campaign",
            "description",
            "quantity_total",
            "quantity_available",
        } <= set(item)
        assert (item["quantity_total"], item["quantity_available"]) == (20, 16)
        assert client_for(None).get(f"/api/v1/kits/{world.kit.pk}/").json()["code"] == "HEALTH-01"

    def test_kits_are_read_only(self, world):
        response = client_for(world.admin).post("/api/v1/kits/", {"code": "X"}, format="json")
        assert response.status_code == 405


@pytest.mark.parametrize("count", [10, 200])
def test_kit_request_list_runs_a_constant_number_of_queries(
    world, count, django_assert_max_num_queries
):
    facilities = [world.facility, world.neighbour, world.faraway]
    kits = [factories.KitFactory() for _ in range(3)]
    KitRequest.objects.bulk_create(
        KitRequest(kit=kits[i % 3], facility=facilities[i % 3], quantity=1) for i in range(count)
    )
    client = client_for(world.admin)
    # scope (2), count, page: the same at 10 and at 200 rows.
    with django_assert_max_num_queries(4):
        response = client.get(url() + "?page_size=500")
    assert response.json()["count"] == count
    with django_assert_max_num_queries(2):
        response = client_for(None).get("/api/v1/kits/?page_size=500")
    assert response.status_code == 200


def test_the_schema_documents_the_actions():
    """Generated from the kit viewsets alone, so other apps' schema problems do not hide ours."""
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.routers import DefaultRouter

    from resources.api import kits

    router = DefaultRouter()
    kits.register(router)
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    paths = schema["paths"]
    assert "/api/v1/kits/" in paths
    for action in BODIES:
        assert f"/api/v1/kit-requests/{{id}}/{action}/" in paths
    reject_body = paths["/api/v1/kit-requests/{id}/reject/"]["post"]["requestBody"]
    assert "RejectRequest" in str(reject_body)
