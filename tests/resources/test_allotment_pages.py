"""The allotment and discrepancy pages and admin: the same services, the same scope."""

import pytest
from django.urls import reverse

from resources.models import Allotment, Discrepancy, Kit, KitRequest
from resources.services import kits as services
from tests import factories
from tests.resources.allotment_support import allotment_of, build_allotment_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_allotment_world(total=20, allot_a=10, allot_b=5)


def as_user(client, user):
    client.force_login(user)
    return client


def test_the_kit_table_shows_used_and_left_and_the_admin_changes_it(client, world):
    url = reverse("allotments:kit", args=[world.kit.pk])
    page = as_user(client, world.admin).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-province="230000"' in html and 'data-figure="unallotted-free">5<' in html

    response = client.post(
        reverse("allotments:allot", args=[world.kit.pk]), {"province": "620000", "quantity": 6}
    )
    assert response.status_code == 302
    assert not Allotment.objects.filter(province_id="620000").exists()  # 409: only 5 free
    client.post(
        reverse("allotments:move", args=[world.kit.pk]),
        {"from_province": "230000", "to_province": "620000", "quantity": 3},
    )
    assert allotment_of(world, world.province_a).quantity == 7
    assert allotment_of(world, world.province_c).quantity == 3
    a = allotment_of(world, world.province_a)
    client.post(reverse("allotments:change", args=[world.kit.pk, a.pk]), {"quantity": 9})
    assert allotment_of(world, world.province_a).quantity == 9


def test_a_coordinator_sees_only_their_province_and_cannot_change(client, world):
    page = as_user(client, world.coordinator_a).get(reverse("allotments:mine"))
    assert page.status_code == 200
    rows = list(page.context["page_obj"])
    assert [row.province_id for row in rows] == ["230000"]
    table = client.get(reverse("allotments:kit", args=[world.kit.pk]))
    assert [row.province_id for row in table.context["rows"]] == ["230000"]
    response = client.post(
        reverse("allotments:allot", args=[world.kit.pk]), {"province": "620000", "quantity": 1}
    )
    assert response.status_code == 403
    assert as_user(client, world.staff_a).get(reverse("allotments:mine")).status_code == 403


def test_receipt_and_resolution_through_the_request_page(client, world):
    request = factories.KitRequestFactory(kit=world.kit, facility=world.facility_a, quantity=4)
    services.approve_request(kit_request=request, by=world.coordinator_a)
    services.ship_request(kit_request=request, by=world.admin, carrier="EMS", tracking_number="1")
    as_user(client, world.staff_a).post(
        reverse("kits:request-receive", args=[request.pk]),
        {"condition": "short", "quantity_received": "2", "note": "少两箱"},
    )
    request.refresh_from_db()
    assert (request.status, request.quantity_received) == ("received", 2)
    discrepancy = Discrepancy.objects.get(kit_request=request)
    page = as_user(client, world.admin).get(reverse("kits:request-detail", args=[request.pk]))
    assert page.context["can_resolve"]
    client.post(reverse("allotments:resolve", args=[discrepancy.pk]), {"resolution": "replacement"})
    discrepancy.refresh_from_db()
    assert discrepancy.replacement.quantity == 2
    assert allotment_of(world, world.province_a).used == 6
    listing = client.get(reverse("allotments:discrepancies") + "?status=resolved")
    assert list(listing.context["page_obj"]) == [discrepancy]


def test_a_receipt_without_figures_from_the_page_is_complete(client, world):
    request = factories.KitRequestFactory(kit=world.kit, facility=world.facility_a, quantity=2)
    services.approve_request(kit_request=request, by=world.admin)
    services.ship_request(kit_request=request, by=world.admin, carrier="EMS", tracking_number="1")
    as_user(client, world.staff_a).post(reverse("kits:request-receive", args=[request.pk]), {})
    request = KitRequest.objects.get(pk=request.pk)
    assert (request.status, request.quantity_received, request.condition) == (
        "received",
        2,
        "complete",
    )


def test_the_admin_adds_and_changes_allotments_through_the_service(client, world):
    as_user(client, world.admin)
    add = reverse("admin:resources_allotment_add")
    response = client.post(
        add, {"kit": world.kit.pk, "province": "620000", "quantity": 9}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200  # the form again, with the service's refusal
    assert "unallotted units are free" in response.content.decode()
    assert not Allotment.objects.filter(province_id="620000").exists()
    response = client.post(add, {"kit": world.kit.pk, "province": "620000", "quantity": 5})
    assert response.status_code == 302
    kit = Kit.objects.get(pk=world.kit.pk)
    assert (kit.quantity_allotted, kit.quantity_allotted_left) == (20, 20)
    a = allotment_of(world, world.province_a)
    change = reverse("admin:resources_allotment_change", args=[a.pk])
    assert client.post(change, {"quantity": 4}).status_code == 302
    assert Kit.objects.get(pk=world.kit.pk).quantity_allotted == 14


@pytest.mark.parametrize(
    "url_name", ["admin:resources_allotment_changelist", "admin:resources_discrepancy_changelist"]
)
def test_admin_changelists_do_not_grow_with_rows(
    client, world, url_name, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows(n):
        for _ in range(n):
            request = factories.KitRequestFactory(
                kit=world.kit, facility=world.facility_a, status="received"
            )
            Discrepancy.objects.create(kit_request=request, kind="short", quantity_missing=1)
            Allotment.objects.create(
                kit=factories.KitFactory(quantity_total=0), province=world.province_a, quantity=0
            )

    as_user(client, world.admin)
    add_rows(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url_name)).status_code == 200
    add_rows(10)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse(url_name)).status_code == 200


def test_an_overdue_shipment_is_flagged_in_my_requests(client, world, settings):
    import datetime

    from django.utils import timezone

    settings.KIT_RECEIPT_CHASE_DAYS = 14
    late = factories.KitRequestFactory(kit=world.kit, facility=world.facility_a, status="shipped")
    KitRequest.objects.filter(pk=late.pk).update(
        shipped_at=timezone.now() - datetime.timedelta(days=15)
    )
    page = as_user(client, world.staff_a).get(reverse("kits:my-requests"))
    assert page.content.decode().count('data-overdue="true"') == 1
    detail = client.get(reverse("kits:request-detail", args=[late.pk]))
    assert detail.context["overdue"] is True
