"""A real chromium on a phone-sized screen walks the whole facility journey.

Sign up → register a facility with the region picker → an administrator approves it → the
facility applies to the demo campaign.
"""

import re

import pytest
from playwright.sync_api import expect

from campaigns.models import Participation
from facilities.models import Facility, RegionLevel
from tests import factories
from tests.fixtures.browser import open_menu

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": PHONE, "is_mobile": True, "has_touch": True}


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def sign_out(page):
    open_menu(page)
    page.get_by_role("button", name=re.compile("Sign out")).click()
    open_menu(page)
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_sign_up_register_get_approved_and_apply(live_server, browser_page, transactional_db):
    page = browser_page
    base = live_server.url
    factories.region_tree("230000", "黑龙江省")
    province_b = factories.RegionFactory(code="110000", name="北京市", level=RegionLevel.PROVINCE)
    factories.RegionFactory(
        code="110100", name="北京市·市辖区", level=RegionLevel.PREFECTURE, parent=province_b
    )
    factories.AdminFactory(username="centre", password="centre-Secret-2024")
    campaign = factories.CampaignFactory(slug="demo", title="Demo joint action")

    # 1. Sign up.
    page.goto(f"{base}/")
    open_menu(page)
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill("heihe-staff")
    page.get_by_label("E-mail address").fill("heihe@example.org")
    page.get_by_label("Password:", exact=True).fill("Kepu-2022-heihe!")
    page.get_by_label("Password confirmation").fill("Kepu-2022-heihe!")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Register your facility")).to_be_visible()
    assert fits_the_screen(page)

    # 2. Register the facility; the picker loads prefectures and counties as one chooses.
    page.get_by_label("Name:", exact=True).fill("黑河市流动科技馆")
    page.get_by_label("Kind").select_option("mobile_museum")
    prefecture = page.get_by_label("Prefecture / city")
    county = page.get_by_label("County / district")
    expect(prefecture).to_be_disabled()
    page.get_by_label("Province").select_option(label="北京市")
    expect(prefecture.locator("option")).to_have_count(2)
    page.get_by_label("Province").select_option(label="黑龙江省")
    expect(prefecture.locator("option", has_text="黑龙江省某市")).to_have_count(1)
    expect(prefecture.locator("option", has_text="北京市·市辖区")).to_have_count(0)
    prefecture.select_option(label="黑龙江省某市")
    expect(county).to_be_enabled()
    county.select_option(label="黑龙江省某县")
    page.get_by_label("Address").fill("黑河市爱辉区 1 号")
    page.get_by_label("Contact name").fill("王五")
    page.get_by_label("Contact phone").fill("13900000000")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Register the facility").click()
    expect(page.get_by_role("heading", name="黑河市流动科技馆")).to_be_visible()
    expect(page.locator("#facility-status")).to_have_text("Pending")
    facility = Facility.objects.get(name="黑河市流动科技馆")
    assert (facility.region_id, facility.status) == ("231102", "pending")
    assert fits_the_screen(page)
    sign_out(page)

    # 3. The national administrator approves it from the review page.
    sign_in(page, base, "centre", "centre-Secret-2024")
    open_menu(page)
    page.get_by_role("link", name="Review facilities").click()
    item = page.locator(f"#facility-{facility.pk}")
    expect(item).to_contain_text("黑河市流动科技馆")
    assert fits_the_screen(page)
    item.get_by_role("button", name=re.compile("Approve")).click()
    expect(page.locator(".message-success")).to_contain_text("黑河市流动科技馆")
    facility.refresh_from_db()
    assert facility.status == "approved"
    sign_out(page)

    # 4. The facility applies to the demo campaign.
    sign_in(page, base, "heihe-staff", "Kepu-2022-heihe!")
    open_menu(page)
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="Demo joint action").click()
    page.get_by_role("button", name="Apply to take part").click()
    expect(page.locator("[data-participation-status]")).to_have_text("Applied")
    assert fits_the_screen(page)
    participation = Participation.objects.get(campaign=campaign, facility=facility)
    assert participation.status == "applied"
