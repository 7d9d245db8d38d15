"""The site's frame: home page sections, favicon, the API docs page, the admin's branding and
the one form error pattern (a summary at the top linking to each field, the message above it)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from events.models import ActivityStatus
from tests import factories

TITLE_EN = "National Mobile Science Popularization Service Platform"

pytestmark = pytest.mark.django_db


def test_the_favicon_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_every_page_links_an_icon_and_the_logo_that_exist(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    logo = re.search(r'<img class="brand-mark" src="([^"]+)"', page).group(1)
    assert icon.endswith(".svg") and logo.endswith(".svg")
    for url in (icon, logo):
        found = finders.find(url.removeprefix(settings.STATIC_URL))
        assert found, url
        assert "<svg" in Path(found).read_text()


@pytest.mark.parametrize(("accept", "lang"), [("zh-hans", "zh-hans"), ("en", "en")])
def test_the_api_docs_page_carries_the_site_language(client, accept, lang):
    response = client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    assert 'id="swagger-ui" lang="en"' in page  # Swagger UI itself speaks English
    assert "/static/css/api-docs.css" in page


def test_the_admin_shows_the_platform_name_and_a_translated_axes_section(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    site_name = re.search(r'<div id="site-name">(.*?)</div>', page, re.S).group(1)
    assert TITLE_EN in site_name
    assert "Django administration" not in page
    assert "/static/css/admin.css" in page
    assert "Sign-in protection" in page
    assert ">Axes<" not in page


def test_the_admin_login_page_is_branded_too(client):
    page = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert TITLE_EN in page


def test_a_failing_form_shows_a_summary_linking_to_each_field_above_its_message(client):
    response = client.post(
        reverse("signup"),
        {"username": "", "email": "not-an-email", "password1": "x", "password2": "y"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="error-summary"') == 1
    assert "<title>Error:" in page
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert 'href="#id_username"' in summary and 'href="#id_email"' in summary
    # The summary comes first, then each field's message above its control.
    assert page.index('class="error-summary"') < page.index('id="id_username_error"')
    assert page.index('id="id_username_error"') < page.index('id="id_username"')
    control = re.search(r'<input[^>]*id="id_username"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in control and "id_username_error" in control
    # No error list is announced as an alert on its own (axe: listitem).
    assert not re.search(r'<ul[^>]*role="alert"', page)


def test_a_form_without_errors_has_no_summary(client):
    page = client.get(reverse("signup")).content.decode()
    assert "error-summary" not in page
    assert "<title>Error:" not in page


def test_every_empty_choice_reads_the_same(client, admin_user):
    factories.KitFactory()
    client.force_login(admin_user)
    page = client.get(reverse("distributions:start"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "---------" not in page
    assert '<option value="" selected>— choose —</option>' in page


def test_the_home_page_leads_with_reach_then_activities_and_resources(client):
    campaign = factories.CampaignFactory(title="践行二十大 健康享未来")
    activity = factories.ActivityFactory(campaign=campaign, status=ActivityStatus.VERIFIED)
    hidden = factories.ActivityFactory(campaign=campaign, status=ActivityStatus.REPORTED)
    resource = factories.DigitalResourceFactory(title="健康生活方式宣传海报")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reach = page.index('id="figures-title"')
    activities = page.index('id="home-activities-title"')
    resources = page.index('id="home-resources-title"')
    assert reach < activities < resources
    assert 'data-figure="grassroots_facilities_reached"' in page
    assert reverse("events:detail", args=[activity.pk]) in page
    assert reverse("events:detail", args=[hidden.pk]) not in page  # only verified ones
    assert reverse("digital:detail", args=[resource.pk]) in page
    assert reverse("campaign-detail", args=[campaign.slug]) in page
    assert reverse("events:campaign_feed", args=[campaign.slug]) in page
    assert reverse("digital:catalogue") in page


def test_the_header_groups_the_signed_in_users_items(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    user_menu = re.search(r'<details class="user-menu">.*?</details>', page, re.S).group(0)
    for link in ("/admin/", "/dashboard/", "/facilities/review/", "/accounts/logout/"):
        assert link in user_menu
    main_nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    assert "/admin/" not in main_nav and "/campaigns/" in main_nav


def test_category_names_follow_the_language_when_an_english_name_exists(client):
    named = factories.CategoryFactory(name="海报", name_en="Posters")
    factories.DigitalResourceFactory(title="健康生活方式宣传海报", category=named)
    english = client.get(reverse("digital:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(reverse("digital:catalogue"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<span>Posters</span>" in english and ">Posters</option>" in english
    assert "<span>海报</span>" in chinese.content.decode()
    assert "Posters" not in chinese.content.decode()
