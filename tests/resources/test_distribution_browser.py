"""An administrator starts a distribution in chromium and watches the live progress bar while
a real Celery worker allocates; at the end the summary offers the skipped-facilities CSV."""

import pytest
from django.urls import reverse

from resources.models import Distribution, DistributionStatus, KitRequest
from tests import factories

from .distribution_support import make_facilities

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

TARGETS = 1000


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 780}}  # a phone


@pytest.fixture
def worker(request, monkeypatch):
    monkeypatch.setenv("DISTRIBUTION_CHUNK_SIZE", "10")  # slow enough to see it move
    return request.getfixturevalue("real_celery_worker")


def test_the_progress_bar_follows_the_worker_to_the_summary(live_server, browser_page, worker):
    province, _, county = factories.region_tree()
    make_facilities(TARGETS, region=county)
    make_facilities(3, region=county, status="pending", prefix="pending")
    kit = factories.KitFactory(code="HEALTH-01", quantity_total=TARGETS)
    factories.AdminFactory(username="centre")
    page = browser_page

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "centre")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("main form [type=submit]").click()
    page.goto(live_server.url + reverse("distributions:start"))
    page.get_by_label("Kit").select_option(str(kit.pk))
    page.get_by_label("Quantity per facility").fill("1")
    page.get_by_label("Province").select_option(province.code)
    page.get_by_role("button", name="Start the distribution").click()

    distribution = Distribution.objects.get()
    page.wait_for_url(f"**{reverse('distributions:detail', args=[distribution.pk])}")
    bar = page.locator("#distribution-bar")
    # The page opened while the worker was still at it: only polling can bring the summary.
    assert page.locator("[data-progress-url]").get_attribute("data-finished") == "false"
    # Polled from Python: the page's content security policy forbids evaluating strings.
    for _ in range(600):
        if bar.evaluate("bar => bar.value") > 0:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the progress bar never moved")
    page.get_by_role("link", name="Download the skipped facilities (CSV)").wait_for(timeout=120_000)

    distribution.refresh_from_db()
    assert distribution.status == DistributionStatus.DONE
    assert KitRequest.objects.filter(distribution=distribution).count() == TARGETS
    assert bar.get_attribute("value") == bar.get_attribute("max") == str(TARGETS + 3)
    assert f"{TARGETS} facilities received" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
