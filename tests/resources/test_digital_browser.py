"""chromium against the live server: a local unit searches the catalogue, opens a resource,
downloads it, and sees the download count go up."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from resources.models import DownloadEvent, ResourceAccess
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, stored_resource

media_root = digital_support.media_root
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}, "accept_downloads": True}


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_local_unit_searches_opens_and_downloads_and_the_count_goes_up(live_server, browser_page):
    data = "流动科技馆巡展讲解词：预防为主，健康生活。\n".encode()
    stored_resource(title="健康生活海报", data=b"poster")
    resource = stored_resource(
        title="科普大篷车讲解词", description="巡展讲解", access=ResourceAccess.MEMBERS, data=data
    )
    unit = facility_staff()
    page = browser_page
    base = live_server.url

    page.goto(f"{base}/accounts/login/?next=/resources/")
    page.fill("#id_username", unit.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Digital resources"

    page.get_by_label("Search title and description").fill("讲解")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    results = page.locator(".resource-cards .resource-title")
    expect(results).to_have_count(1)
    assert fits_the_screen(page)

    with page.expect_navigation():
        results.get_by_role("link", name="科普大篷车讲解词").click()
    assert page.locator("h1").inner_text() == "科普大篷车讲解词"
    assert resource.sha256 in page.locator(".resource-facts").inner_text()
    expect(page.locator("#download-count")).to_have_text("0")
    assert fits_the_screen(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "leaflet.txt"
    assert Path(download.path()).read_bytes() == data

    expect(page.locator("#download-count")).to_have_text("1")
    event = DownloadEvent.objects.get()
    assert event.user == unit and event.channel == "web" and event.province_code == "230000"
    page.reload()
    expect(page.locator("#download-count")).to_have_text("1")
