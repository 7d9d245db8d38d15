"""In chromium: a facility submits its month, the coordinator approves it, the centre
accepts it, and the yearly assessment page shows the province's row."""

import pytest

from campaigns.models import MonthlyReport, MonthlyReportStatus
from tests.campaigns.assessment_support import MARCH, build_march, new_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 1200, "height": 900}}


def signed_in(browser_page, base, user):
    page = browser_page.context.browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/accounts/login/?next=/reports/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    return page


def test_a_month_is_submitted_approved_accepted_and_ranked(live_server, browser_page):
    world = new_world()
    build_march(world)
    base = live_server.url

    staff = signed_in(browser_page, base, world.staff)
    with staff.expect_navigation():
        staff.locator(f"#month-{world.museum.pk}-2026-03 button").click()
    assert "420" in staff.locator("#figures").inner_text()
    staff.fill("#summary", "Two stops and two verified activities.")
    with staff.expect_navigation():
        staff.click("#submit-report")
    assert staff.locator("#report-status").inner_text() == "Submitted"
    report = MonthlyReport.objects.get(facility=world.museum, month=MARCH)
    staff.context.close()

    for user, status in (
        (world.coordinator, "Approved by the province"),
        (world.admin, "Accepted"),
    ):
        reviewer = signed_in(browser_page, base, user)
        with reviewer.expect_navigation():
            reviewer.click(f"#queue-{report.pk} a")
        with reviewer.expect_navigation():
            reviewer.click("#approve-report")
        assert reviewer.locator("#report-status").inner_text() == status
        if user == world.admin:
            reviewer.goto(f"{base}/campaigns/{world.campaign.slug}/assessment/?year=2026")
            row = reviewer.locator("#province-230000").inner_text()
            assert "黑龙江省" in row and "420" in row
        reviewer.context.close()

    report.refresh_from_db()
    assert report.status == MonthlyReportStatus.ACCEPTED
    assert report.summary == "Two stops and two verified activities."
