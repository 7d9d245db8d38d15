"""chromium against the live server: the whole closed loop of an allotted kit."""

import pytest

from campaigns.stats import compute_campaign_stats
from resources.models import Allotment, Discrepancy, Kit, KitRequest
from tests import factories
from tests.resources.kits_support import (
    build_world,
)
from tests.resources.test_kit_browser import fits_the_screen, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}}  # a phone


def row_figures(page, province):
    row = page.locator(f"tr[data-province='{province}']")
    return {
        name: int(row.locator(f"[data-figure={name}]").inner_text())
        for name in ("quantity", "used", "left")
    }


def ship_in_queue(page, base, kit_request, tracking):
    page.goto(f"{base}/kits/review/?status=approved")
    item = page.locator(f"#request-{kit_request.pk}")
    item.get_by_label("Carrier").fill("China Post EMS")
    item.get_by_label("Tracking number").fill(tracking)
    with page.expect_navigation():
        item.get_by_role("button", name="Mark as shipped").click()


def test_allot_request_approve_ship_receive_short_replace_and_receive(live_server, browser_page):
    world = build_world(kit_total=20)
    campaign = factories.CampaignFactory()
    Kit.objects.filter(pk=world.kit.pk).update(campaign=campaign)
    page, base = browser_page, live_server.url

    # The administrator allots 10 units to Heilongjiang.
    sign_in(page, base, world.admin, f"/kits/{world.kit.pk}/allotments/")
    page.select_option("#allot-form select[name=province]", "230000")
    page.fill("#allot-form input[name=quantity]", "10")
    with page.expect_navigation():
        page.get_by_role("button", name="Allot", exact=True).click()
    assert row_figures(page, "230000") == {"quantity": 10, "used": 0, "left": 10}
    assert fits_the_screen(page)
    sign_out(page)

    # Facility staff request 4 units.
    sign_in(page, base, world.staff, f"/kits/{world.kit.pk}/")
    page.get_by_label("Quantity").fill("4")
    page.get_by_label("Purpose").fill("Science week in Heihe schools")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit request").click()
    original = KitRequest.objects.get()
    sign_out(page)

    # The province's coordinator approves within the allotment and ships.
    sign_in(page, base, world.coordinator, "/kits/review/")
    with page.expect_navigation():
        page.locator(f"#request-{original.pk}").get_by_role("button", name="Approve").click()
    assert "approved" in page.locator(".messages").inner_text()
    ship_in_queue(page, base, original, "EA100000001CN")
    page.goto(f"{base}/kits/allotments/")
    assert page.locator("[data-figure=used]").inner_text() == "4"
    sign_out(page)

    # Only 3 arrive.
    sign_in(page, base, world.staff, f"/kits/requests/{original.pk}/")
    page.select_option("#receive-condition", "short")
    page.fill("#receive-quantity", "3")
    page.fill("#receive-note", "One box missing")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm receipt").click()
    assert page.locator("h1 .badge").inner_text() == "Received"
    assert page.locator("#discrepancy").get_attribute("data-status") == "open"
    assert "1 missing" in page.locator(".timeline").inner_text()
    sign_out(page)

    # The administrator resolves it with a replacement and ships it.
    sign_in(page, base, world.admin, f"/kits/requests/{original.pk}/")
    page.select_option("#resolve-resolution", "replacement")
    with page.expect_navigation():
        page.get_by_role("button", name="Resolve").click()
    assert page.locator("#discrepancy").get_attribute("data-status") == "resolved"
    replacement = Discrepancy.objects.get().replacement
    assert page.locator("#replacement-link").inner_text() == f"#{replacement.pk}"
    assert "Replacement request" in page.locator(".timeline").inner_text()
    ship_in_queue(page, base, replacement, "EA100000002CN")
    page.goto(f"{base}/kits/{world.kit.pk}/allotments/")
    assert row_figures(page, "230000") == {"quantity": 10, "used": 5, "left": 5}
    sign_out(page)

    # The replacement arrives complete.
    sign_in(page, base, world.staff, f"/kits/requests/{replacement.pk}/")
    assert "Replacement for request" in page.locator("#discrepancy").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm receipt").click()
    assert page.locator("h1 .badge").inner_text() == "Received"
    assert "1 (Complete)" in page.locator("[data-figure=quantity-received]").inner_text()

    # The figures follow: what arrived, nothing open, the allotment used exactly.
    stats = compute_campaign_stats(campaign=campaign)
    assert stats["kits_units_shipped"] == 5
    assert stats["units_received"] == 4
    assert stats["discrepancies_open"] == 0
    assert stats["shipments_overdue"] == 0
    allotment = Allotment.objects.get()
    kit = Kit.objects.get(pk=world.kit.pk)
    assert (allotment.used, kit.quantity_available, kit.quantity_allotted_left) == (5, 15, 5)
