"""Coverage counts what arrived: received units, open discrepancies, overdue shipments and
allotment use in the campaign statistics."""

import datetime

import pytest
from django.utils import timezone

from campaigns.stats import compute_campaign_stats
from resources.models import Kit, KitRequest
from resources.services import kits as services
from tests import factories
from tests.resources.allotment_support import build_allotment_world

pytestmark = pytest.mark.django_db


def shipped(world, facility, quantity):
    request = factories.KitRequestFactory(kit=world.kit, facility=facility, quantity=quantity)
    services.approve_request(kit_request=request, by=world.admin)
    services.ship_request(kit_request=request, by=world.admin, carrier="EMS", tracking_number="1")
    return request


def test_received_units_discrepancies_and_overdue_shipments_are_counted():
    world = build_allotment_world()
    campaign = factories.CampaignFactory()
    Kit.objects.filter(pk=world.kit.pk).update(campaign=campaign)
    complete = shipped(world, world.facility_a, 3)
    services.receive_request(kit_request=complete, by=world.staff_a)
    short = shipped(world, world.facility_a, 4)
    services.receive_request(
        kit_request=short, by=world.staff_a, quantity_received=1, condition="short"
    )
    nothing = shipped(world, world.facility_c, 2)  # county-level, but nothing arrived
    services.receive_request(
        kit_request=nothing, by=world.staff_c, quantity_received=0, condition="short"
    )
    late = shipped(world, world.facility_b, 1)
    KitRequest.objects.filter(pk=late.pk).update(
        shipped_at=timezone.now() - datetime.timedelta(days=20)
    )
    shipped(world, world.facility_b, 1)  # shipped today: not overdue

    stats = compute_campaign_stats(campaign=campaign)

    assert stats["kits_units_shipped"] == 3 + 4 + 2 + 1 + 1
    assert stats["units_received"] == 3 + 1 + 0
    assert stats["discrepancies_open"] == 2
    assert stats["shipments_overdue"] == 1
    # Only facility A (county level) had something arrive.
    assert stats["grassroots_facilities_reached"] == 1
    allotments = {row["province"]: row for row in stats["allotments_by_province"]}
    assert (allotments["230000"]["quantity"], allotments["230000"]["used"]) == (10, 7)
    assert (allotments["440000"]["quantity"], allotments["440000"]["used"]) == (5, 2)
    assert allotments["230000"]["name"] == "黑龙江省"


def test_the_dashboard_shows_each_provinces_allotment_use(client):
    world = build_allotment_world()
    campaign = factories.CampaignFactory(status="active")
    Kit.objects.filter(pk=world.kit.pk).update(campaign=campaign)
    shipped(world, world.facility_a, 3)

    client.force_login(world.admin)
    html = client.get(
        "/dashboard/", {"campaign": campaign.slug}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert 'id="allotment-use"' in html
    row = html.split('data-province="230000"')[1].split("</tr>")[0]
    # Allotted 10, 3 used by the approved request, 7 left, 30 per cent.
    assert [cell.split("<")[0].strip() for cell in row.split("<td>")[1:4]] == ["10", "3", "7"]
    assert "30%" in row
