"""chromium against the live server: a kit goes from request to confirmed receipt."""

import pytest

from resources.models import KitRequest, KitRequestStatus
from tests.fixtures.browser import open_menu
from tests.resources.kits_support import (
    build_world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}}  # a phone


def sign_in(page, base, user, next_path):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def sign_out(page):
    open_menu(page)
    with page.expect_navigation():
        page.click(".user-menu button[type=submit]")


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_staff_request_admin_approve_and_ship_staff_confirm_receipt(live_server, browser_page):
    world = build_world(allotment_a=20)
    page = browser_page
    base = live_server.url

    # Facility staff find the kit in the catalogue and request it.
    sign_in(page, base, world.staff, "/kits/")
    assert fits_the_screen(page)
    page.click(f"text={world.kit.name}")
    assert page.locator("h1").inner_text() == world.kit.name
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Purpose").fill("Tour of village schools in Heihe")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit request").click()
    assert page.locator("h1 .badge").inner_text() == "Submitted"
    assert fits_the_screen(page)
    kit_request = KitRequest.objects.get()
    sign_out(page)

    # An administrator approves it in the review queue, then ships it.
    sign_in(page, base, world.admin, "/kits/review/")
    item = page.locator(f"#request-{kit_request.pk}")
    assert world.facility.name in item.inner_text()
    assert fits_the_screen(page)
    with page.expect_navigation():
        item.get_by_role("button", name="Approve").click()
    assert "approved" in page.locator(".messages").inner_text()
    page.click("text=To ship")
    item = page.locator(f"#request-{kit_request.pk}")
    item.get_by_label("Carrier").fill("China Post EMS")
    item.get_by_label("Tracking number").fill("EA123456789CN")
    with page.expect_navigation():
        item.get_by_role("button", name="Mark as shipped").click()
    sign_out(page)

    # The staff confirm receipt from "My requests".
    sign_in(page, base, world.staff, "/kits/requests/")
    open_menu(page)
    page.click("text=My requests")
    page.get_by_role("link", name=str(kit_request.pk), exact=True).click()
    assert "EA123456789CN" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm receipt").click()

    assert page.locator("h1 .badge").inner_text() == "Received"
    steps = page.locator(".timeline-step")
    assert steps.count() == 4
    assert [steps.nth(i).get_attribute("data-status") for i in range(4)] == [
        "submitted",
        "approved",
        "shipped",
        "received",
    ]
    timeline = page.locator(".timeline").inner_text()
    assert "by admin" in timeline and "by staff" in timeline
    assert fits_the_screen(page)
    kit_request.refresh_from_db()
    assert kit_request.status == KitRequestStatus.RECEIVED
    world.kit.refresh_from_db()
    assert world.kit.quantity_available == world.kit.quantity_total - 2
