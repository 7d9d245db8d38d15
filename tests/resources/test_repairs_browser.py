"""In chromium on a 360 px wide screen: a dismantle checklist with one damaged exhibit, the
ticket in the coordinator's queue, resolved with a known fault, and the exhibit in order again."""

import pytest

from events.models import TourStop, TourStopStatus
from resources.models import ExhibitStatus, KnownFault, RepairTicket
from tests.events.field_support import build_field_world, days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}}


def sign_in(page, base, user, next_path):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(next_path)


def test_a_damaged_exhibit_at_dismantle_is_repaired_from_the_coordinators_queue(
    live_server, browser_page
):
    world = build_field_world(exhibits=4)
    stop = TourStop.objects.create(
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="嫩江县体育馆",
        starts_on=days(-40),
        ends_on=days(0),
        status=TourStopStatus.OPEN,
    )
    damaged = world.exhibition_set.exhibits.get(code="E02")
    fix = KnownFault.objects.create(
        model=damaged.model, symptom="按钮按下没有反应", fix="更换微动开关"
    )
    KnownFault.objects.create(model=damaged.model, symptom="外壳掉漆", fix="补漆")
    page, base = browser_page, live_server.url

    sign_in(page, base, world.staff, f"/field/stops/{stop.pk}/")
    with page.expect_navigation():
        page.click("#dismantle-checklist")
    page.check(f'input[name="condition-{damaged.pk}"][value="damaged"]')
    page.fill(f"#note-{damaged.pk}", "按钮按下后没有反应")
    box = page.locator("#record-handover").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_navigation():
        page.click("#record-handover")
    ticket = RepairTicket.objects.get()
    assert ticket.stop == stop
    damaged.refresh_from_db()
    assert damaged.status == ExhibitStatus.FAULTY

    coordinator = browser_page.context.browser.new_context(
        locale="en-US", viewport={"width": 360, "height": 740}
    ).new_page()
    sign_in(coordinator, base, world.coordinator, "/repairs/")
    row = coordinator.locator(f'#repair-queue a[href="/repairs/{ticket.pk}/"]')
    assert row.count() == 1
    with coordinator.expect_navigation():
        row.click()
    # The matching known fault is suggested first and chosen in the form; the paint one is not.
    suggestions = coordinator.locator("#suggestions").inner_text()
    assert "更换微动开关" in suggestions and "补漆" not in suggestions
    assert coordinator.input_value("#known_fault") == str(fix.pk)
    coordinator.fill("#resolution", "更换了微动开关")
    with coordinator.expect_navigation():
        coordinator.click("#resolve")
    assert coordinator.locator("#ticket-status").inner_text() == "Resolved"
    assert coordinator.locator("#exhibit-status").inner_text() == "In order"
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= 360
    coordinator.context.close()

    damaged.refresh_from_db()
    fix.refresh_from_db()
    assert damaged.status == ExhibitStatus.OK
    assert fix.times_used == 1
    assert RepairTicket.objects.get().known_fault == fix
