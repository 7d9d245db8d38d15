"""chromium, driven by Playwright, against the live server: the language switcher works."""

import pytest

from tests import factories
from tests.fixtures.browser import open_menu

pytestmark = pytest.mark.browser

TITLE_ZH = "全国流动科普设施服务平台"
TITLE_EN = "National Mobile Science Popularization Service Platform"


@pytest.fixture
def browser_context_options():
    return {"locale": "zh-CN", "viewport": {"width": 360, "height": 740}}  # a phone


def switch_language(page, code):
    open_menu(page)  # on a phone the switch sits in the menu
    page.select_option("#language-select", code)
    with page.expect_navigation():
        page.click("#language-submit")


def test_the_language_switcher_turns_the_site_into_english_and_back(live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator(".brand-text").inner_text() == TITLE_ZH
    assert TITLE_ZH in page.title()

    switch_language(page, "en")

    assert page.url.rstrip("/") == live_server.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".brand-text").inner_text() == TITLE_EN
    assert page.title() == TITLE_EN or TITLE_EN in page.title()

    page.reload()  # the choice is remembered in a cookie
    assert page.locator(".brand-text").inner_text() == TITLE_EN

    switch_language(page, "zh-hans")
    assert page.locator(".brand-text").inner_text() == TITLE_ZH


def test_the_orm_works_while_the_browser_runs(live_server, browser_page):
    # Playwright's event loop is running now; the fixture keeps Django's async guard quiet.
    campaign = factories.CampaignFactory(title="践行二十大 健康享未来")
    browser_page.goto(live_server.url + "/")
    assert campaign.title in browser_page.locator("main").inner_text()
