"""chromium on a phone-sized screen: the menu opens without JavaScript, the main pages never
scroll sideways, the first load asks for nothing missing, and axe-core finds no serious
accessibility fault on the home page.

axe-core (MPL-2.0, tests/assets/axe.min.js with its licence beside it) is injected through
Playwright's evaluate, which the site's content security policy does not block.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from events.models import ActivityStatus
from tests import factories
from tests.fixtures.browser import open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
AXE = Path(__file__).resolve().parent.parent / "assets" / "axe.min.js"


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": PHONE}


@pytest.fixture
def site():
    """A campaign with a verified activity, a resource and a kit: every home section shows."""
    campaign = factories.CampaignFactory(slug="demo", title="践行二十大 健康享未来")
    factories.ActivityFactory(campaign=campaign, status=ActivityStatus.VERIFIED)
    factories.DigitalResourceFactory(title="健康生活方式宣传海报")
    factories.KitFactory()
    return campaign


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_the_phone_menu_opens_without_javascript(live_server, chromium_browser, site):
    context = chromium_browser.new_context(
        locale="en-US", viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        header = page.locator("header.site-header").bounding_box()
        assert header["height"] <= 90  # compact: the name and one button
        campaigns = page.locator("nav.main-nav").get_by_role("link", name="Campaigns")
        expect(campaigns).to_be_hidden()
        toggle = page.get_by_text("Menu", exact=True)
        expect(toggle).to_be_visible()
        toggle.click()
        expect(campaigns).to_be_visible()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.locator("#language-select")).to_be_visible()
        assert overflow(page) <= 0
        campaigns.click()
        page.wait_for_url(f"{live_server.url}/campaigns/")
        expect(page.get_by_role("link", name="践行二十大 健康享未来")).to_be_visible()
    finally:
        context.close()


def test_the_menu_works_from_the_keyboard(live_server, browser_page, site):
    page = browser_page
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site's name
    page.keyboard.press("Tab")  # the menu button
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")
    page.keyboard.press("Enter")
    expect(page.locator("details.site-menu")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Home"
    page.keyboard.press("Escape")  # site.js: Escape folds the menu and returns to its button
    expect(page.locator("details.site-menu")).not_to_have_attribute("open", "")
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")


def test_the_account_drop_down_closes_on_a_click_elsewhere(live_server, browser_page, site):
    factories.AdminFactory(username="centre", password="centre-Secret-2024")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "centre")
    page.fill("#id_password", "centre-Secret-2024")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 110  # two rows: name and account, then the menu
    expect(page.locator("summary.menu-toggle")).to_be_hidden()
    expect(page.locator("nav.main-nav").get_by_role("link", name="Campaigns")).to_be_visible()
    dashboard = page.locator("header").get_by_role("link", name="Dashboard", exact=True)
    expect(dashboard).to_be_hidden()
    page.locator("summary.user-menu-toggle").click()
    expect(dashboard).to_be_visible()
    page.locator("main h1, main h2").first.click()
    expect(dashboard).to_be_hidden()
    page.locator("summary.user-menu-toggle").click()
    with page.expect_navigation():
        dashboard.click()
    assert page.url.endswith("/dashboard/")


def test_the_main_pages_never_scroll_sideways_on_a_phone(live_server, browser_page, site):
    page = browser_page
    resource = factories.DigitalResourceFactory(title="科普大篷车讲解词")
    paths = [
        "/",
        "/campaigns/",
        "/campaigns/demo/",
        "/activities/",
        "/resources/",
        f"/resources/{resource.pk}/",
        "/kits/",
        "/accounts/login/",
        "/accounts/signup/",
        "/api/docs/",
    ]
    for path in paths:
        page.goto(live_server.url + path)
        assert overflow(page) <= 0, path
        open_menu(page)
        assert overflow(page) <= 0, f"{path} with the menu open"


def test_the_first_load_asks_for_nothing_that_is_missing(live_server, browser_page, site):
    page = browser_page
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert missing == []
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(live_server.url + icon).status == 200
    assert page.request.get(live_server.url + "/favicon.ico").status == 200


def serious_violations(page):
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"""
    )


@pytest.mark.parametrize(("locale", "width"), [("en-US", 360), ("en-US", 1280), ("zh-CN", 360)])
def test_axe_finds_no_serious_fault_on_the_public_pages(
    live_server, chromium_browser, site, locale, width
):
    context = chromium_browser.new_context(locale=locale, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        for path in ("/", "/campaigns/demo/", "/resources/", "/activities/", "/accounts/login/"):
            page.goto(live_server.url + path)
            assert serious_violations(page) == [], f"{locale} {width} {path}"
            assert overflow(page) <= 0, f"{locale} {width} {path}"
    finally:
        context.close()


def test_axe_finds_no_serious_fault_on_a_form_in_error(live_server, browser_page, site):
    page = browser_page
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_username")).to_be_focused()
    assert serious_violations(page) == []


def test_axe_finds_no_serious_fault_in_the_admin(live_server, browser_page, site):
    factories.AdminFactory(username="centre", password="centre-Secret-2024")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "centre")
    page.fill("#id_password", "centre-Secret-2024")
    with page.expect_navigation():
        page.click("input[type=submit]")
    admin_pages = (
        "/admin/",
        "/admin/facilities/membership/add/",
        "/admin/campaigns/campaign/",
        "/admin/events/activity/add/",
    )
    for path in admin_pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
