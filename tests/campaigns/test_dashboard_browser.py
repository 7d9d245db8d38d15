"""A real chromium opens the dashboard, reads its charts, filters by province, downloads XLSX."""

import os

import pytest
from openpyxl import load_workbook

from .stats_support import JILIN, build_known_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT_DIR = os.environ.get("DASHBOARD_SCREENSHOT_DIR")


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/dashboard/**")


def test_the_dashboard_draws_charts_filters_and_downloads_xlsx(
    live_server, browser_page, admin_user, tmp_path
):
    build_known_data()
    page = browser_page
    sign_in(page, live_server, admin_user)

    # Charts are inline SVG with a title and bars drawn from the figures.
    # Six charts of the campaign, two of repair tickets (faults per model has none to draw).
    assert page.locator("svg.chart-svg").count() == 8
    provinces = page.locator("#chart-provinces svg")
    assert provinces.locator("title").first.text_content()
    values = [
        int(v)
        for v in provinces.locator("rect").evaluate_all(
            "rects => rects.map(r => r.getAttribute('data-value'))"
        )
    ]
    assert values == [3, 1, 2, 0, 1, 1]
    box = provinces.locator("rect").first.bounding_box()
    assert box and box["width"] > 10
    assert page.locator("#chart-downloads-by-day polyline").count() == 1
    assert page.locator('[data-figure="grassroots_facilities_reached"]').first.text_content() == "2"
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "dashboard.png"), full_page=True)

    # Filter by province through the form.
    page.select_option("select[name=province]", JILIN)
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_url(f"**province={JILIN}**")
    assert page.locator('[data-figure="facilities_participating"]').first.text_content() == "2"
    assert page.locator("#chart-provinces rect").count() == 2

    # One click downloads the workbook of the filtered figures.
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(f"{JILIN}.xlsx")
    path = tmp_path / "stats.xlsx"
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    provinces_sheet = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert provinces_sheet[1][:3] == (JILIN, "吉林省", 2)


def test_the_dashboard_fits_a_phone_screen(live_server, browser_page, admin_user):
    build_known_data()
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server, admin_user)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    if SCREENSHOT_DIR:
        page.screenshot(path=os.path.join(SCREENSHOT_DIR, "dashboard-phone.png"), full_page=True)
