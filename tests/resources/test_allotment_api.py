"""Allotments, two-level approvals, receipts with quantities and discrepancies, through the
REST API exactly as API.md says; runs on PostgreSQL and SQLite."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from resources.models import Discrepancy, Kit, KitRequest, KitRequestStatus
from tests import factories
from tests.resources.allotment_support import allotment_of, build_allotment_world

S = KitRequestStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_allotment_world(total=20, allot_a=10, allot_b=5)


def client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def allotments_url(world):
    return f"/api/v1/kits/{world.kit.pk}/allotments/"


def submitted(world, facility, quantity=1):
    return factories.KitRequestFactory(kit=world.kit, facility=facility, quantity=quantity)


def kit(world):
    return Kit.objects.get(pk=world.kit.pk)


class TestAllotments:
    def test_the_kit_table_lists_quantity_and_used_per_province(self, world):
        response = client_for(world.admin).get(allotments_url(world))
        assert response.status_code == 200
        rows = {row["province"]: row for row in response.json()["results"]}
        assert rows["230000"]["quantity"] == 10 and rows["230000"]["used"] == 0
        assert rows["440000"]["quantity"] == 5
        assert set(rows["230000"]) >= {"id", "kit", "province", "quantity", "used"}

    def test_allotting_over_the_total_is_409_and_saves_nothing(self, world):
        client = client_for(world.admin)
        response = client.post(allotments_url(world), {"province": "620000", "quantity": 6})
        assert response.status_code == 409, response.json()
        assert "5 unallotted units are free" in response.json()["detail"]
        assert world.kit.allotments.count() == 2
        response = client.post(allotments_url(world), {"province": "620000", "quantity": 5})
        assert response.status_code == 201
        assert response.json()["province"] == "620000"
        assert (kit(world).quantity_allotted, kit(world).quantity_allotted_left) == (20, 20)

    def test_a_second_allotment_for_the_same_province_is_409(self, world):
        response = client_for(world.admin).post(
            allotments_url(world), {"province": "230000", "quantity": 1}
        )
        assert response.status_code == 409
        assert "already has an allotment" in response.json()["detail"]

    def test_unknown_province_or_negative_quantity_is_400(self, world):
        client = client_for(world.admin)
        assert (
            client.post(allotments_url(world), {"province": "999999", "quantity": 1}).status_code
            == 400
        )
        response = client.post(allotments_url(world), {"province": "620000", "quantity": -1})
        assert response.status_code == 400 and "quantity" in response.json()
        assert client.get("/api/v1/kits/999999/allotments/").status_code == 404

    def test_only_administrators_change_allotments(self, world):
        for user in (world.coordinator_a, world.staff_a):
            client = client_for(user)
            assert (
                client.post(
                    allotments_url(world), {"province": "620000", "quantity": 1}
                ).status_code
                == 403
            )
            a = allotment_of(world, world.province_a)
            assert client.patch(f"/api/v1/allotments/{a.pk}/", {"quantity": 1}).status_code in (
                403,
                404,
            )
        assert client_for(None).get("/api/v1/allotments/").status_code == 401
        assert client_for(world.staff_a).get("/api/v1/allotments/").status_code == 403

    def test_a_coordinator_sees_only_their_provinces_allotments(self, world):
        response = client_for(world.coordinator_a).get("/api/v1/allotments/")
        assert [row["province"] for row in response.json()["results"]] == ["230000"]
        b = allotment_of(world, world.province_b)
        assert client_for(world.coordinator_a).get(f"/api/v1/allotments/{b.pk}/").status_code == 404

    def test_patch_never_goes_below_used(self, world):
        a = allotment_of(world, world.province_a)
        for _ in range(3):
            request = submitted(world, world.facility_a)
            assert (
                client_for(world.coordinator_a)
                .post(f"/api/v1/kit-requests/{request.pk}/approve/")
                .status_code
                == 200
            )
        client = client_for(world.admin)
        response = client.patch(f"/api/v1/allotments/{a.pk}/", {"quantity": 2}, format="json")
        assert response.status_code == 409
        assert "used 3 units" in response.json()["detail"]
        response = client.patch(f"/api/v1/allotments/{a.pk}/", {"quantity": 3}, format="json")
        assert response.status_code == 200
        assert (response.json()["quantity"], response.json()["used"]) == (3, 3)
        assert (kit(world).quantity_allotted, kit(world).quantity_allotted_left) == (8, 5)
        # Growing back beyond the total is refused too.
        response = client.patch(f"/api/v1/allotments/{a.pk}/", {"quantity": 16}, format="json")
        assert response.status_code == 409

    def test_moving_units_between_provinces_in_one_step(self, world):
        client = client_for(world.admin)
        body = {"from_province": "230000", "to_province": "620000", "quantity": 4}
        response = client.post(allotments_url(world) + "move/", body, format="json")
        assert response.status_code == 200, response.json()
        assert [(r["province"], r["quantity"]) for r in response.json()] == [
            ("230000", 6),
            ("620000", 4),
        ]
        assert kit(world).quantity_allotted == 15  # moved, not added
        body["quantity"] = 7
        assert client.post(allotments_url(world) + "move/", body, format="json").status_code == 409
        assert allotment_of(world, world.province_a).quantity == 6


class TestTwoLevelApproval:
    def approve(self, user, request):
        return client_for(user).post(f"/api/v1/kit-requests/{request.pk}/approve/")

    def test_a_coordinator_approves_within_the_allotment_then_409(self, world):
        big = submitted(world, world.facility_a, quantity=8)
        assert self.approve(world.coordinator_a, big).status_code == 200
        too_many = submitted(world, world.facility_a, quantity=3)
        response = self.approve(world.coordinator_a, too_many)
        assert response.status_code == 409
        assert "2 left" in response.json()["detail"]
        assert allotment_of(world, world.province_a).used == 8
        assert kit(world).quantity_available == 12

    def test_without_an_allotment_only_the_administrator_approves_from_the_remainder(self, world):
        request = submitted(world, world.facility_c, quantity=5)
        response = self.approve(world.coordinator_c, request)
        assert response.status_code == 409
        assert "no allotment" in response.json()["detail"]
        response = self.approve(world.admin, request)
        assert response.status_code == 200
        assert response.json()["allotment"] is None
        more = submitted(world, world.facility_c, quantity=1)
        response = self.approve(world.admin, more)
        assert response.status_code == 409
        assert "0 available" in response.json()["detail"]
        # The allotments are untouched by it.
        assert (kit(world).quantity_available, kit(world).quantity_allotted_left) == (15, 15)

    def test_the_administrator_takes_from_the_provinces_allotment(self, world):
        request = submitted(world, world.facility_b, quantity=5)
        response = self.approve(world.admin, request)
        assert response.status_code == 200
        assert response.json()["allotment"] == allotment_of(world, world.province_b).pk
        assert allotment_of(world, world.province_b).used == 5
        again = submitted(world, world.facility_b)
        assert self.approve(world.admin, again).status_code == 409

    def test_cancel_gives_back_to_the_allotment(self, world):
        request = submitted(world, world.facility_a, quantity=4)
        self.approve(world.coordinator_a, request)
        response = client_for(world.admin).post(f"/api/v1/kit-requests/{request.pk}/cancel/")
        assert response.status_code == 200
        assert allotment_of(world, world.province_a).used == 0
        assert (kit(world).quantity_available, kit(world).quantity_allotted_left) == (20, 15)


def shipped(world, facility=None, quantity=4, by=None):
    from resources.services import kits as services

    facility = facility or world.facility_a
    request = submitted(world, facility, quantity=quantity)
    services.approve_request(kit_request=request, by=by or world.admin)
    services.ship_request(
        kit_request=request, by=world.admin, carrier="顺丰", tracking_number="SF1"
    )
    return KitRequest.objects.get(pk=request.pk)


class TestReceipt:
    def receive(self, world, request, body=None):
        return client_for(world.staff_a).post(
            f"/api/v1/kit-requests/{request.pk}/receive/", body or {}, format="json"
        )

    def test_an_empty_receipt_is_complete_with_the_full_quantity(self, world):
        request = shipped(world)
        response = self.receive(world, request)
        assert response.status_code == 200
        data = response.json()
        assert (data["status"], data["quantity_received"], data["condition"]) == (
            "received",
            4,
            "complete",
        )
        assert data["overdue"] is False
        assert not Discrepancy.objects.exists()

    def test_a_short_receipt_opens_a_discrepancy_shown_on_the_timeline(self, world):
        request = shipped(world)
        response = self.receive(
            world, request, {"quantity_received": 3, "condition": "short", "note": "少一箱"}
        )
        assert response.status_code == 200
        data = response.json()
        assert (data["quantity_received"], data["condition"]) == (3, "short")
        discrepancy = Discrepancy.objects.get(kit_request=request)
        assert (discrepancy.kind, discrepancy.quantity_missing, discrepancy.status) == (
            "short",
            1,
            "open",
        )
        assert "1 missing" in data["transitions"][-1]["note"]

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"quantity_received": 5, "condition": "short"}, "between 0"),
            ({"quantity_received": 4, "condition": "short"}, "below the 4"),
            ({"quantity_received": 3}, "complete receipt"),
            ({"condition": "damaged"}, "how many"),
            ({"condition": "lost"}, "condition"),
        ],
    )
    def test_inconsistent_receipts_are_400_and_change_nothing(self, world, body, field):
        request = shipped(world)
        response = self.receive(world, request, body)
        assert response.status_code == 400
        assert field in str(response.json())
        assert KitRequest.objects.get(pk=request.pk).status == S.SHIPPED

    def test_a_damaged_receipt_counts_the_damaged_units(self, world):
        request = shipped(world)
        response = self.receive(world, request, {"condition": "damaged", "quantity_damaged": 2})
        assert response.status_code == 200
        discrepancy = Discrepancy.objects.get(kit_request=request)
        assert (discrepancy.kind, discrepancy.quantity_missing, discrepancy.quantity_damaged) == (
            "damaged",
            0,
            2,
        )

    def test_overdue_after_the_chasing_delay(self, world, settings):
        settings.KIT_RECEIPT_CHASE_DAYS = 14
        request = shipped(world)
        KitRequest.objects.filter(pk=request.pk).update(
            shipped_at=timezone.now() - datetime.timedelta(days=15)
        )
        data = client_for(world.staff_a).get(f"/api/v1/kit-requests/{request.pk}/").json()
        assert data["overdue"] is True
        listed = client_for(world.admin).get("/api/v1/kit-requests/").json()["results"]
        assert [row["overdue"] for row in listed] == [True]


class TestDiscrepancies:
    def open_one(self, world, facility=None, received=1, quantity=4):
        from resources.services import kits as services

        request = shipped(world, facility=facility, quantity=quantity)
        services.receive_request(
            kit_request=request,
            by=None,
            quantity_received=received,
            condition="short",
        )
        return Discrepancy.objects.get(kit_request=request)

    def resolve(self, world, discrepancy, body, user=None):
        return client_for(user or world.admin).post(
            f"/api/v1/discrepancies/{discrepancy.pk}/resolve/", body, format="json"
        )

    def test_the_list_is_scoped_and_filtered(self, world):
        mine = self.open_one(world)
        theirs = self.open_one(world, facility=world.facility_b, quantity=2)
        admin = client_for(world.admin).get("/api/v1/discrepancies/").json()
        assert admin["count"] == 2
        assert set(admin["results"][0]) >= {
            "id",
            "kit_request",
            "kind",
            "quantity_missing",
            "quantity_damaged",
            "note",
            "status",
            "resolution",
            "replacement",
        }
        coordinator = client_for(world.coordinator_a).get("/api/v1/discrepancies/").json()
        assert [row["id"] for row in coordinator["results"]] == [mine.pk]
        filtered = client_for(world.admin).get("/api/v1/discrepancies/?province=440000").json()
        assert [row["id"] for row in filtered["results"]] == [theirs.pk]
        assert client_for(world.staff_a).get("/api/v1/discrepancies/").status_code == 403
        response = self.resolve(
            world, mine, {"resolution": "closed", "note": "x"}, world.coordinator_a
        )
        assert response.status_code == 403

    def test_a_replacement_is_a_linked_approved_request_from_stock(self, world):
        discrepancy = self.open_one(world, received=1, quantity=4)  # 3 missing
        response = self.resolve(world, discrepancy, {"resolution": "replacement", "note": "补发"})
        assert response.status_code == 200, response.json()
        data = response.json()
        assert (data["status"], data["resolution"]) == ("resolved", "replacement")
        replacement = KitRequest.objects.get(pk=data["replacement"])
        assert (replacement.status, replacement.quantity, replacement.facility_id) == (
            S.APPROVED,
            3,
            world.facility_a.pk,
        )
        # From the province's allotment, like an administrator's approval: 4 + 3 used.
        assert allotment_of(world, world.province_a).used == 7
        assert kit(world).quantity_available == 13
        timeline = (
            client_for(world.staff_a)
            .get(f"/api/v1/kit-requests/{discrepancy.kit_request_id}/")
            .json()["transitions"]
        )
        assert f"#{replacement.pk}" in timeline[-1]["note"]
        # Once only.
        assert (
            self.resolve(world, discrepancy, {"resolution": "closed", "note": "x"}).status_code
            == 409
        )

    def test_a_replacement_without_stock_is_409_and_leaves_it_open(self, world):
        discrepancy = self.open_one(world, received=0, quantity=10)  # the whole allotment
        response = self.resolve(world, discrepancy, {"resolution": "replacement"})
        assert response.status_code == 409
        discrepancy.refresh_from_db()
        assert discrepancy.status == "open"
        assert KitRequest.objects.filter(kit=world.kit).count() == 1

    def test_a_write_off_reduces_the_total_and_is_recorded(self, world):
        discrepancy = self.open_one(world, received=1, quantity=4)
        response = self.resolve(world, discrepancy, {"resolution": "written_off"})
        assert response.status_code == 200
        assert response.json()["quantity_written_off"] == 3
        after = kit(world)
        assert (after.quantity_total, after.quantity_available) == (17, 16)
        a = allotment_of(world, world.province_a)
        assert (a.quantity, a.used) == (7, 1)  # what the province has left is unchanged
        assert after.history.filter(history_change_reason__contains="written off").exists()

    def test_closing_needs_a_note(self, world):
        discrepancy = self.open_one(world)
        response = self.resolve(world, discrepancy, {"resolution": "closed"})
        assert response.status_code == 400
        response = self.resolve(world, discrepancy, {"resolution": "closed", "note": "已找到"})
        assert response.status_code == 200
        assert kit(world).quantity_total == 20

    @pytest.mark.parametrize("count", [2, 12])
    def test_lists_run_a_constant_number_of_queries(
        self, world, count, django_assert_max_num_queries
    ):
        for _ in range(count):
            request = submitted(world, world.facility_a)
            KitRequest.objects.filter(pk=request.pk).update(status=S.RECEIVED, quantity_received=0)
            Discrepancy.objects.create(kit_request=request, kind="short", quantity_missing=1)
        client = client_for(world.admin)
        with django_assert_max_num_queries(4):
            assert client.get("/api/v1/discrepancies/?page_size=500").json()["count"] == count
        with django_assert_max_num_queries(4):
            client.get("/api/v1/allotments/?page_size=500")
