"""A real chromium sees the coverage map drawn and drills down to a county table."""

import pytest

from tests.campaigns.coverage_support import Data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 360])
def test_the_map_is_drawn_and_drills_down_to_the_counties(live_server, browser_page, width):
    data = Data()
    page = browser_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/campaigns/{data.campaign.slug}/coverage/")

    china = page.locator('svg[data-map="china"]')
    assert china.locator("path").count() == 34
    box = china.bounding_box()
    assert box and box["width"] > 300 and box["width"] <= width
    heilongjiang = china.locator('a[data-region="230000"] path')
    assert "share-mid" in heilongjiang.get_attribute("class")
    shape = heilongjiang.bounding_box()
    assert shape and shape["width"] > 10 and shape["height"] > 10
    # Nothing is wider than the screen: the page does not scroll sideways at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    heilongjiang.click()
    page.wait_for_url("**/coverage/230000/")
    province = page.locator('svg[data-map="230000"]')
    assert province.locator("path").count() >= 13
    assert page.locator('table[data-level="prefecture"] tr[data-region="231100"]').count() == 1

    province.locator('a[data-region="231100"] path').click()
    page.wait_for_url("**/coverage/231100/")
    table = page.locator('table[data-level="county"]')
    assert table.locator("tbody tr").count() == 3
    assert table.locator('tr[data-county="231102"]').get_attribute("data-reached") == "yes"
    assert table.locator('tr[data-county="231124"]').get_attribute("data-reached") == "no"

    # Sorting by a column heading is a plain link: no script needed.
    table.locator('a[data-sort="downloads"]').click()
    page.wait_for_url("**sort=downloads**")
    table.locator('a[data-sort="downloads"]').click()
    page.wait_for_url("**order=desc**")
    first = page.locator('table[data-level="county"] tbody tr').first
    assert first.get_attribute("data-county") == "231124"
