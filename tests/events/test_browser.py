"""In chromium on a phone-sized screen: staff report an activity with two photos, an
administrator verifies it, and the public finds it on the feed with its thumbnails."""

import re

import pytest

from events.models import Activity, ActivityStatus
from tests.fixtures.browser import open_menu

from . import images

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def browser_context_options():
    return {"locale": "en-US", "viewport": {"width": 360, "height": 740}}


def sign_in(page, base_url, user, next_path):
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(next_path), page.url


def sign_out(page):
    open_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Sign out")).click()


def upload_photo(page, name, data, caption):
    page.set_input_files(
        "#id_image", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}]
    )
    page.fill("#id_caption", caption)
    page.fill("#id_credit", "黑河市科协")
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    assert page.locator(".message-success").inner_text() == "The photo was added."


def loaded_images(page, selector):
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.complete && e.naturalWidth > 0).map(e => e.src)"
    )


def test_staff_report_an_admin_verifies_the_public_sees_it(live_server, browser_page, world):
    page, base = browser_page, live_server.url

    # Facility staff report the activity and add two photos.
    sign_in(page, base, world.staff, "/activities/report/")
    page.select_option("#id_campaign", str(world.campaign.pk))
    page.select_option("#id_facility", str(world.facility.pk))
    page.select_option("#id_kind", "health_carnival")
    page.fill("#id_title", "健康科普嘉年华")
    page.fill("#id_starts_at", "2022-08-26T09:30")
    page.fill("#id_venue", "黑河市中央广场")
    page.fill("#id_audience_count", "1200")
    with page.expect_navigation():
        page.get_by_role("button", name="Report", exact=True).click()
    activity = Activity.objects.get()
    assert page.url == f"{base}/activities/{activity.pk}/"
    assert page.locator("h1").inner_text() == "健康科普嘉年华"

    upload_photo(page, "stage.jpg", images.jpeg_with_gps(orientation=6), "科学表演")
    upload_photo(page, "crowd.jpg", images.jpeg_bytes((800, 600)), "观众互动")
    assert len(loaded_images(page, "img.activity-photo.has-thumbnail")) == 2
    sign_out(page)

    # Not public yet.
    page.goto(f"{base}/activities/")
    assert "健康科普嘉年华" not in page.locator("main").inner_text()

    # An administrator verifies it from the review queue.
    sign_in(page, base, world.admin, "/activities/review/")
    row = page.locator(f"#review-{activity.pk}")
    assert "健康科普嘉年华" in row.inner_text()
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("^Verify")).click()
    assert "was verified" in page.locator(".message-success").inner_text()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.VERIFIED
    sign_out(page)

    # The public finds it on the feed, with its thumbnail, and opens it.
    page.goto(base + "/")
    open_menu(page)
    with page.expect_navigation():
        page.locator("nav.main-nav").get_by_role("link", name="Activities").click()
    card = page.locator(".activity-card", has_text="健康科普嘉年华")
    assert card.count() == 1
    [cover] = loaded_images(page, ".activity-card img.activity-thumbnail")
    assert "/media/activities/thumbnails/" in cover
    with page.expect_navigation():
        card.get_by_role("link", name="健康科普嘉年华").click()
    thumbnails = loaded_images(page, "img.activity-photo.has-thumbnail")
    assert len(thumbnails) == 2
    assert all("/media/activities/thumbnails/" in src for src in thumbnails)
    # Of each photo's srcset, a phone loads the thumbnail, not the full picture.
    shown = page.eval_on_selector_all("img.activity-photo", "els => els.map(e => e.currentSrc)")
    assert len(shown) == 2 and all("/media/activities/thumbnails/" in src for src in shown)
    assert page.get_by_alt_text("科学表演").count() == 1
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
