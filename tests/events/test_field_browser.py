"""In chromium on a 360 px wide screen: a set's manager plans a stop, opens it, records the
day's visitors, and the public "now" page shows the stop open with its venue."""

import pytest

from events.models import TourStop, TourStopStatus
from tests.events.field_support import build_field_world, days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}}


def test_a_manager_plans_opens_and_counts_a_stop_the_public_sees_it(live_server, browser_page):
    world = build_field_world()
    page, base = browser_page, live_server.url
    set_path = f"/exhibition-sets/{world.exhibition_set.pk}/"

    page.goto(f"{base}/accounts/login/?next={set_path}")
    page.fill("#id_username", world.staff.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(set_path)

    with page.expect_navigation():
        page.click("#plan-stop-link")
    # The county through the region picker: each choice loads the level below.
    page.select_option("#id_region_0", world.province.code)
    page.wait_for_selector(
        f"#id_region_1 option[value='{world.prefecture.code}']", state="attached"
    )
    page.select_option("#id_region_1", world.prefecture.code)
    page.wait_for_selector(
        f"#id_region_2 option[value='{world.other_county.code}']", state="attached"
    )
    page.select_option("#id_region_2", world.other_county.code)
    page.fill("#id_venue", "嫩江县体育馆")
    page.fill("#id_opening_days", "Wednesday to Sunday")
    page.fill("#id_starts_on", days(0).isoformat())
    page.fill("#id_ends_on", days(60).isoformat())
    with page.expect_navigation():
        page.click("#plan-stop")
    assert page.locator("#stop-status").inner_text() == "Planned"

    with page.expect_navigation():
        page.click("#open-stop")
    assert page.locator("#stop-status").inner_text() == "Open"

    # The attendance entry fits the phone: today is filled in, two numbers, one button.
    assert page.input_value("#id_date") == days(0).isoformat()
    box = page.locator("#record-attendance").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.fill("#id_visitors", "1250")
    page.fill("#id_school_groups", "4")
    with page.expect_navigation():
        page.click("#record-attendance")
    assert page.locator("#stop-audience").inner_text() == "1,250"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    stop = TourStop.objects.get()
    assert stop.status == TourStopStatus.OPEN
    assert stop.audience_total == 1250

    public = browser_page.context.browser.new_context(
        locale="en-US", viewport={"width": 360, "height": 740}
    ).new_page()
    public.goto(f"{base}/field/")
    card = public.locator(f'[data-stop="{stop.pk}"]')
    assert "Open now" in card.inner_text()
    assert "嫩江县体育馆" in card.inner_text()
    assert "Wednesday to Sunday" in card.inner_text()
    public.context.close()
